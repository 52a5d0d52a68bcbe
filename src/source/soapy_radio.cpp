// The SoapySDR adapter: the only file that talks to SoapySDR (besides the coexsim module itself).
#include "coex/core/error.hpp"
#include "coex/source/radio.hpp"

#include <SoapySDR/Device.hpp>
#include <SoapySDR/Errors.hpp>
#include <SoapySDR/Formats.hpp>
#include <SoapySDR/Logger.hpp>
#include <SoapySDR/Modules.hpp>
#include <SoapySDR/Registry.hpp>
#include <SoapySDR/Version.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <set>
#include <unistd.h>

namespace coex::source {
namespace {

// ---- driver log ----------------------------------------------------------------------------------

std::mutex& log_mutex() {
    static std::mutex m;
    return m;
}
std::function<void(const std::string&)>& log_handler() {
    static std::function<void(const std::string&)> h;
    return h;
}

void forward_log(const SoapySDRLogLevel level, const char* message) {
    if (level > SOAPY_SDR_WARNING) return;
    std::lock_guard lock(log_mutex());
    if (log_handler()) log_handler()(message ? message : "");
}

// ---- modules -------------------------------------------------------------------------------------

bool has_driver(const std::string& driver) { return SoapySDR::Registry::listFindFunctions().count(driver) != 0; }

// Loads SoapySDR's modules, then, when no coexsim module was among them, the one built beside this
// executable (build tree: <bin>/soapy/; install: <prefix>/lib[/<arch>]/SoapySDR/modules<ABI>/).
void ensure_modules() {
    static std::once_flag once;
    std::call_once(once, [] {
        SoapySDR::registerLogHandler(&forward_log);
        SoapySDR::setLogLevel(SOAPY_SDR_WARNING);
        SoapySDR::loadModules();
        if (has_driver("coexsim")) return;
        std::error_code ec;
        const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
        if (ec) return;
        const auto bin = exe.parent_path();
        const std::string file = "libcoexsimSupport.so";
        const std::string modules = std::string("SoapySDR/modules") + SOAPY_SDR_ABI_VERSION;
        std::vector<std::filesystem::path> candidates = {bin / "soapy" / file, bin / ".." / "lib" / modules / file};
        for (const auto& entry : std::filesystem::directory_iterator(bin / ".." / "lib", ec))
            if (entry.is_directory(ec)) candidates.push_back(entry.path() / modules / file);
        for (const auto& path : candidates) {
            if (!std::filesystem::exists(path, ec)) continue;
            const std::string error = SoapySDR::loadModule(std::filesystem::weakly_canonical(path, ec).string());
            if (error.empty() && has_driver("coexsim")) return;
        }
    });
}

std::vector<Range> ranges(const SoapySDR::RangeList& list) {
    std::vector<Range> out;
    for (const auto& r : list) out.push_back(Range{r.minimum(), r.maximum()});
    return out;
}

std::string family_of(const SoapySDR::Kwargs& args, const std::string& driver) {
    if (driver == "remote") {
        const auto it = args.find("remote:driver");
        if (it != args.end()) return it->second;
    }
    return driver;
}

// Arguments that open this radio again: what enumeration found, without its display label.
std::string args_of(const SoapySDR::Kwargs& found) {
    std::string out;
    for (const auto& [k, v] : found)
        if (k != "label") out += (out.empty() ? "" : ",") + k + "=" + v;
    return out;
}

std::string get(const SoapySDR::Kwargs& args, const std::string& key) {
    const auto it = args.find(key);
    return it == args.end() ? std::string() : it->second;
}

bool power_of_two(double v) {
    if (!(v >= 1.0)) return false;
    const double l = std::log2(v);
    return std::abs(l - std::round(l)) < 1e-9;
}

std::string fmt_db(double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", v);
    return text;
}

// ---- the radio ----------------------------------------------------------------------------------

struct DeviceDeleter {
    void operator()(SoapySDR::Device* device) const noexcept {
        try {
            SoapySDR::Device::unmake(device);
        } catch (...) {
        }
    }
};
using DevicePtr = std::unique_ptr<SoapySDR::Device, DeviceDeleter>;

// `full_scale` (optional): the native format's full scale, which read() divides by.
RadioInfo describe(SoapySDR::Device& dev, const SoapySDR::Kwargs& found, double* full_scale_out = nullptr) {
    RadioInfo info;
    // as enumerated ("remote" for a radio behind SoapyRemote, whose own driver is the family)
    info.driver = get(found, "driver").empty() ? dev.getDriverKey() : get(found, "driver");
    info.family = family_of(found, info.driver);
    info.hardware = dev.getHardwareKey();
    info.label = get(found, "label");
    info.serial = get(found, "serial");
    info.args = args_of(found);
    info.frequency_ranges_hz = ranges(dev.getFrequencyRange(SOAPY_SDR_RX, 0));
    info.sample_rate_ranges_hz = ranges(dev.getSampleRateRange(SOAPY_SDR_RX, 0));
    if (info.sample_rate_ranges_hz.empty())
        for (double r : dev.listSampleRates(SOAPY_SDR_RX, 0)) info.sample_rate_ranges_hz.push_back(Range{r, r});
    info.bandwidth_ranges_hz = ranges(dev.getBandwidthRange(SOAPY_SDR_RX, 0));
    if (info.bandwidth_ranges_hz.empty())
        for (double b : dev.listBandwidths(SOAPY_SDR_RX, 0)) info.bandwidth_ranges_hz.push_back(Range{b, b});
    const auto g = dev.getGainRange(SOAPY_SDR_RX, 0);
    info.gain_range_db = Range{g.minimum(), g.maximum()};
    for (const auto& name : dev.listGains(SOAPY_SDR_RX, 0)) {
        const auto r = dev.getGainRange(SOAPY_SDR_RX, 0, name);
        info.gain_elements.push_back(GainElement{name, Range{r.minimum(), r.maximum()}});
    }
    info.antennas = dev.listAntennas(SOAPY_SDR_RX, 0);
    double full_scale = 0.0;
    const std::string native = dev.getNativeStreamFormat(SOAPY_SDR_RX, 0, full_scale);
    if (native == SOAPY_SDR_CS8 && power_of_two(full_scale) && full_scale <= 128.0) info.sample_type = "int8";
    else if (native == SOAPY_SDR_CS16 && power_of_two(full_scale) && full_scale <= 32768.0) info.sample_type = "int16";
    else info.sample_type = "float32";
    if (info.sample_type != "float32") info.quantisation_step = 1.0 / full_scale;
    if (full_scale_out) *full_scale_out = full_scale;
    return info;
}

class SoapyRadio final : public Radio {
public:
    SoapyRadio(DevicePtr device, const SoapySDR::Kwargs& found, std::string name)
        : dev_(std::move(device)), name_(std::move(name)) {
        double full_scale = 1.0;
        info_ = describe(*dev_, found, &full_scale);
        // Read the native integer format when it is exact in the capture format's scale (a power of two
        // full scale), so recording it in that type loses nothing; anything else as CF32.
        if (info_.sample_type == "int8") format_ = SOAPY_SDR_CS8;
        else if (info_.sample_type == "int16") format_ = SOAPY_SDR_CS16;
        else format_ = SOAPY_SDR_CF32;
        scale_ = format_ == SOAPY_SDR_CF32 ? 1.0f : static_cast<float>(1.0 / full_scale);
    }

    ~SoapyRadio() override {
        if (stream_) {
            try {
                if (active_) dev_->deactivateStream(stream_);
                dev_->closeStream(stream_);
            } catch (...) {
            }
        }
    }

    const RadioInfo& info() const override { return info_; }

    double set_sample_rate(double hz) override {
        return guarded("sample_rate_hz", [&] {
            dev_->setSampleRate(SOAPY_SDR_RX, 0, hz);
            return dev_->getSampleRate(SOAPY_SDR_RX, 0);
        });
    }

    double set_bandwidth(double hz) override {
        if (info_.bandwidth_ranges_hz.empty()) return 0.0;
        return guarded("bandwidth", [&] {
            dev_->setBandwidth(SOAPY_SDR_RX, 0, hz);
            return dev_->getBandwidth(SOAPY_SDR_RX, 0);
        });
    }

    double set_gain(const GainSetting& gain) override {
        return guarded("gain", [&] {
            if (dev_->hasGainMode(SOAPY_SDR_RX, 0)) dev_->setGainMode(SOAPY_SDR_RX, 0, false);
            if (gain.overall_db) {
                const auto& r = info_.gain_range_db;
                if (r.max > r.min && (*gain.overall_db < r.min - 1e-9 || *gain.overall_db > r.max + 1e-9))
                    throw ConfigError("gain", fmt_db(*gain.overall_db) + " dB is outside " + fmt_db(r.min) + "–" + fmt_db(r.max) + " dB");
                dev_->setGain(SOAPY_SDR_RX, 0, *gain.overall_db);
            }
            for (const auto& element : gain.elements) {
                const std::string& name = element.first;
                const double value = element.second;
                const auto it = std::find_if(info_.gain_elements.begin(), info_.gain_elements.end(),
                                             [&](const GainElement& e) { return e.name == name; });
                if (it == info_.gain_elements.end()) {
                    std::string names;
                    for (const auto& e : info_.gain_elements) names += (names.empty() ? "" : ", ") + e.name;
                    throw ConfigError("gain", name_ + " has no gain element '" + name + "' (it has: " + names + ")");
                }
                if (value < it->range.min - 1e-9 || value > it->range.max + 1e-9)
                    throw ConfigError("gain", name + "=" + fmt_db(value) + " dB is outside " + fmt_db(it->range.min) + "–" +
                                      fmt_db(it->range.max) + " dB");
                dev_->setGain(SOAPY_SDR_RX, 0, name, value);
            }
            return dev_->getGain(SOAPY_SDR_RX, 0);
        });
    }

    void set_antenna(const std::string& name) override {
        const auto& a = info_.antennas;
        if (std::find(a.begin(), a.end(), name) == a.end()) {
            std::string names;
            for (const auto& n : a) names += (names.empty() ? "" : ", ") + n;
            throw ConfigError("antenna", name_ + " has no antenna '" + name + "' (it has: " + names + ")");
        }
        guarded("antenna", [&] {
            dev_->setAntenna(SOAPY_SDR_RX, 0, name);
            return 0.0;
        });
    }

    double tune(double hz) override {
        // called from the reader thread: a failure here is the radio's, reported as it is
        dev_->setFrequency(SOAPY_SDR_RX, 0, hz);
        return dev_->getFrequency(SOAPY_SDR_RX, 0);
    }

    void start() override {
        guarded("streaming", [&] {
            if (!stream_) stream_ = dev_->setupStream(SOAPY_SDR_RX, format_, {0});
            const int ret = dev_->activateStream(stream_);
            if (ret != 0) throw InputError(name_ + ": could not start streaming: " + SoapySDR::errToStr(ret));
            active_ = true;
            return 0.0;
        });
    }

    void stop() override {
        if (stream_ && active_) {
            active_ = false;
            dev_->deactivateStream(stream_);
        }
    }

    ReadResult read(std::span<cf32> out, long timeout_us) override {
        ReadResult r;
        if (!stream_ || out.empty()) return r;
        const std::size_t element = format_ == SOAPY_SDR_CS8 ? 2 : format_ == SOAPY_SDR_CS16 ? 4 : 8;
        void* buffer = out.data();
        if (format_ != SOAPY_SDR_CF32) {
            if (native_.size() < out.size() * element) native_.resize(out.size() * element);  // the first read only
            buffer = native_.data();
        }
        void* buffs[1] = {buffer};
        int flags = 0;
        long long time_ns = 0;
        int ret = 0;
        try {
            ret = dev_->readStream(stream_, buffs, out.size(), flags, time_ns, timeout_us);
        } catch (const std::exception& e) {
            r.status = ReadResult::Status::error;
            r.error = e.what();
            return r;
        }
        if (ret == SOAPY_SDR_TIMEOUT || ret == 0) return r;
        if (ret == SOAPY_SDR_OVERFLOW) {
            r.status = ReadResult::Status::overflow;
            return r;
        }
        if (ret < 0) {
            r.status = ReadResult::Status::error;
            r.error = std::string(SoapySDR::errToStr(ret)) + " (" + std::to_string(ret) + ")";
            return r;
        }
        const auto n = static_cast<std::size_t>(std::min<int>(ret, static_cast<int>(out.size())));
        if (format_ == SOAPY_SDR_CS8) {
            const auto* p = reinterpret_cast<const std::int8_t*>(native_.data());
            for (std::size_t i = 0; i < n; ++i) out[i] = cf32(static_cast<float>(p[2 * i]) * scale_, static_cast<float>(p[2 * i + 1]) * scale_);
        } else if (format_ == SOAPY_SDR_CS16) {
            const auto* p = reinterpret_cast<const std::int16_t*>(native_.data());
            for (std::size_t i = 0; i < n; ++i) out[i] = cf32(static_cast<float>(p[2 * i]) * scale_, static_cast<float>(p[2 * i + 1]) * scale_);
        }
        r.status = ReadResult::Status::samples;
        r.count = n;
        if (flags & SOAPY_SDR_HAS_TIME) r.time_ns = time_ns;
        return r;
    }

private:
    template <class F>
    double guarded(const std::string& what, F&& f) {
        try {
            return f();
        } catch (const InputError&) {
            throw;
        } catch (const std::exception& e) {
            throw ConfigError(what, name_ + " refused: " + e.what());
        }
    }

    DevicePtr dev_;
    std::string name_;
    RadioInfo info_;
    std::string format_;
    float scale_ = 1.0f;
    SoapySDR::Stream* stream_ = nullptr;  // closed by the destructor, before the device is unmade
    bool active_ = false;
    std::vector<std::uint8_t> native_;
};

std::string installed_drivers() {
    std::string names;
    for (const auto& [name, fn] : SoapySDR::Registry::listFindFunctions()) names += (names.empty() ? "" : ", ") + name;
    return names.empty() ? "none" : names;
}

}  // namespace

void set_driver_log(std::function<void(const std::string&)> handler) {
    std::lock_guard lock(log_mutex());
    log_handler() = std::move(handler);
}

double RadioInfo::max_sample_rate_hz() const {
    double m = 0.0;
    for (const auto& r : sample_rate_ranges_hz) m = std::max(m, r.max);
    return m;
}

bool RadioInfo::can_tune(double low_hz, double high_hz) const {
    return std::any_of(frequency_ranges_hz.begin(), frequency_ranges_hz.end(),
                       [&](const Range& r) { return r.min <= low_hz && r.max >= high_hz; });
}

DriverDefaults driver_defaults(const std::string& driver) {
    DriverDefaults d;
    if (driver == "hackrf") {
        d.name = "HackRF";
        d.gain.elements = {{"AMP", 0.0}, {"LNA", 16.0}, {"VGA", 20.0}};
        d.settle_s = 0.01;  // PLL lock and the USB transfer still in flight (131072 samples, 6.6 ms at 20 MS/s)
        d.max_rate_hz = 20e6;
    } else if (driver == "rtlsdr") {
        d.name = "RTL-SDR";
        d.gain.overall_db = 30.0;
        d.settle_s = 0.02;
        d.max_rate_hz = 2.4e6;  // 2.56 and 3.2 MS/s list but lose samples on most hosts
    } else if (driver == "coexsim") {
        d.name = "the coexsim simulator";
        d.gain.overall_db = 30.0;  // its reference gain: scenes and captures play at their own level
        d.settle_s = 0.002;
    } else {
        d.name = driver.empty() ? "the radio" : driver;
    }
    return d;
}

std::unique_ptr<Radio> open_radio(const std::string& args) {
    ensure_modules();
    SoapySDR::Kwargs kw = SoapySDR::KwargsFromString(args);
    const std::string driver = get(kw, "driver");
    const std::string family = family_of(kw, driver);
    const std::string name = driver_defaults(family).name;
    if (!driver.empty() && !has_driver(driver))
        throw InputError("no SoapySDR module for driver '" + driver + "' is installed (installed: " + installed_drivers() +
                         "); on Debian: apt-get install soapysdr-module-" + driver);
    SoapySDR::KwargsList found;
    try {
        found = SoapySDR::Device::enumerate(kw);
    } catch (const std::exception& e) {
        throw InputError("looking for " + name + " (" + args + ") failed: " + e.what());
    }
    if (found.empty() && driver == "remote")
        throw InputError("no " + (family == "remote" ? std::string("radio") : name.rfind("the ", 0) == 0 ? name.substr(4) : name) +
                         " found through SoapyRemote (" + args + "): is SoapySDRServer running there, and the radio attached to it?");
    if (found.empty())
        throw InputError("no " + (name.rfind("the ", 0) == 0 ? name.substr(4) : name) + " found (" + args +
                         "): is it plugged in and not in use by another program? 'SoapySDRUtil --find=\"" + args + "\"' lists what SoapySDR sees");
    // The first match, with what the user gave on top (driver-specific keys such as scene=… survive).
    SoapySDR::Kwargs merged = found.front();
    for (const auto& [k, v] : kw) merged[k] = v;
    SoapySDR::Device* raw = nullptr;
    try {
        raw = SoapySDR::Device::make(merged);
    } catch (const std::exception& e) {
        throw InputError("could not open " + name + " (" + args + "): " + e.what());
    }
    if (!raw) throw InputError("could not open " + name + " (" + args + ")");
    DevicePtr device(raw);
    try {
        return std::make_unique<SoapyRadio>(std::move(device), merged, name);
    } catch (const InputError&) {
        throw;
    } catch (const std::exception& e) {
        throw InputError(name + " (" + args + "): " + e.what());
    }
}

std::vector<ListedRadio> list_radios(const std::string& args) {
    ensure_modules();
    const SoapySDR::Kwargs kw = SoapySDR::KwargsFromString(args);
    const std::string driver = get(kw, "driver");
    if (!driver.empty() && !has_driver(driver))
        throw InputError("no SoapySDR module for driver '" + driver + "' is installed (installed: " + installed_drivers() + ")");
    std::vector<ListedRadio> out;
    for (auto found : SoapySDR::Device::enumerate(kw)) {
        for (const auto& [k, v] : kw) found.emplace(k, v);
        ListedRadio item;
        item.info.driver = get(found, "driver");
        item.info.family = family_of(found, item.info.driver);
        item.info.label = get(found, "label");
        item.info.serial = get(found, "serial");
        item.info.args = args_of(found);
        try {
            DevicePtr device(SoapySDR::Device::make(found));
            if (!device) throw std::runtime_error("could not be opened");
            const std::string label = item.info.label, serial = item.info.serial;
            item.info = describe(*device, found);
            if (!label.empty()) item.info.label = label;
            if (!serial.empty()) item.info.serial = serial;
        } catch (const std::exception& e) {
            item.problem = std::string("cannot be opened (in use by another program?): ") + e.what();
        }
        out.push_back(std::move(item));
    }
    return out;
}

}  // namespace coex::source
