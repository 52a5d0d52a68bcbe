#include "coex/dsp/fft.hpp"

#include <fftw3.h>

#include <cstdlib>
#include <mutex>
#include <new>
#include <system_error>

namespace coex::dsp {
namespace {

// FFTW's planner is not thread-safe: every plan is made and destroyed under this mutex.
std::mutex& planner_mutex() {
    static std::mutex mutex;
    return mutex;
}

bool wisdom_loaded = false;  // guarded by planner_mutex()

void load_wisdom_once() {
    if (wisdom_loaded) return;
    wisdom_loaded = true;
    const auto path = default_wisdom_path();
    if (!path.empty()) fftwf_import_wisdom_from_filename(path.c_str());  // absent file: nothing learnt
}

void save_wisdom() {
    const auto path = default_wisdom_path();
    if (path.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) return;  // a cache we cannot write only costs planning time next run
    auto temp = path;
    temp += ".tmp" + std::to_string(static_cast<long>(::getpid()));
    if (fftwf_export_wisdom_to_filename(temp.c_str()) != 0) {
        std::filesystem::rename(temp, path, ec);
    }
    std::filesystem::remove(temp, ec);
}

}  // namespace

std::filesystem::path default_wisdom_path() {
    if (const char* explicit_path = std::getenv("COEX_FFTW_WISDOM"); explicit_path && *explicit_path)
        return explicit_path;
    if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache && *cache)
        return std::filesystem::path(cache) / "coex" / "fftwf.wisdom";
    if (const char* home = std::getenv("HOME"); home && *home)
        return std::filesystem::path(home) / ".cache" / "coex" / "fftwf.wisdom";
    return {};
}

struct Fft::Plan {
    fftwf_plan plan = nullptr;
    ~Plan() {
        if (plan) {
            std::lock_guard lock(planner_mutex());
            fftwf_destroy_plan(plan);
        }
    }
};

Fft::Fft(std::size_t size, FftPlanning planning) : size_(size), in_(nullptr), out_(nullptr) {
    if (size < 2 || size > (1u << 22)) throw std::invalid_argument("FFT size must be in 2…4194304");
    in_ = static_cast<cf32*>(fftwf_malloc(sizeof(cf32) * size));
    out_ = static_cast<cf32*>(fftwf_malloc(sizeof(cf32) * size));
    if (!in_ || !out_) {
        fftwf_free(in_);
        fftwf_free(out_);
        throw std::bad_alloc();
    }
    plan_ = std::make_unique<Plan>();
    auto* in = reinterpret_cast<fftwf_complex*>(in_);
    auto* out = reinterpret_cast<fftwf_complex*>(out_);
    const int n = static_cast<int>(size);
    {
        std::lock_guard lock(planner_mutex());
        if (planning == FftPlanning::measure) {
            load_wisdom_once();
            plan_->plan = fftwf_plan_dft_1d(n, in, out, FFTW_FORWARD, FFTW_MEASURE | FFTW_WISDOM_ONLY);
            if (!plan_->plan) {
                plan_->plan = fftwf_plan_dft_1d(n, in, out, FFTW_FORWARD, FFTW_MEASURE);
                if (plan_->plan) save_wisdom();
            }
        } else {
            plan_->plan = fftwf_plan_dft_1d(n, in, out, FFTW_FORWARD, FFTW_ESTIMATE);
        }
    }
    if (!plan_->plan) {
        plan_.reset();
        fftwf_free(in_);
        fftwf_free(out_);
        throw std::runtime_error("FFTW could not plan a transform of size " + std::to_string(size));
    }
    std::fill_n(in_, size, cf32{});
}

Fft::~Fft() {
    plan_.reset();
    fftwf_free(in_);
    fftwf_free(out_);
}

void Fft::execute() { fftwf_execute(plan_->plan); }

}  // namespace coex::dsp
