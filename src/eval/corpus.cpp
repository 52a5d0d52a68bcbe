// Corpus helpers: scene -> capture + labels, labelled captures in a folder, analysis of one.
#include "coex/report/writers.hpp"
#include "coex/eval/corpus.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <system_error>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "coex/analysis/pipeline.hpp"
#include "coex/core/error.hpp"
#include "coex/io/capture.hpp"
#include "coex/recommend/recommend.hpp"
#include "coex/report/report.hpp"
#include "coex/sim/synth.hpp"

namespace coex::eval {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

io::SampleType sample_type(const std::string& name) {
    if (name == "int8") return io::SampleType::int8;
    if (name == "int16") return io::SampleType::int16;
    return io::SampleType::float32;
}

fs::path temp_beside(const fs::path& p) {
    return p.parent_path() / (p.filename().string() + ".tmp-" + std::to_string(::getpid()));
}

// Removes a temporary file unless released.
struct TempFile {
    fs::path path;
    bool keep = false;
    ~TempFile() {
        if (!keep) {
            std::error_code ec;
            fs::remove(path, ec);
        }
    }
};

void rename_into_place(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    fs::rename(from, to, ec);
    if (ec) throw InputError(to.string() + ": cannot be written (" + ec.message() + ")");
}

}  // namespace

fs::path labels_path_for(const fs::path& capture) {
    fs::path p = capture;
    return p.replace_extension(".labels.json");
}

SynthResult synthesize(const sim::Scene& scene, const fs::path& capture, const std::optional<fs::path>& labels) {
    const auto start = std::chrono::steady_clock::now();
    SynthResult r;
    r.capture = capture;
    r.labels = labels ? *labels : labels_path_for(capture);
    sim::Synthesizer synth(scene);

    TempFile tmp_capture{temp_beside(r.capture)};
    TempFile tmp_labels{temp_beside(r.labels)};
    {
        io::CaptureMetadata meta;
        meta.hardware = scene.receiver.hardware;
        meta.description = "coex synth: scene '" + scene.name + "', seed " + std::to_string(scene.seed) +
                           (scene.description.empty() ? "" : ": " + scene.description);
        io::CaptureWriter writer(tmp_capture.path, meta, sample_type(scene.receiver.sample_type));
        for (std::size_t i = 0; i < synth.segments().size(); ++i) {
            const auto samples = synth.render(i);
            writer.begin_segment(synth.segments()[i].info);
            writer.append(samples);
            writer.end_segment();
            r.samples += samples.size();
            r.clipped_samples += synth.stats(i).clipped_samples;
        }
        writer.close();
    }
    r.segments = synth.segments().size();
    {
        std::ofstream out(tmp_labels.path, std::ios::binary | std::ios::trunc);
        if (!out) throw InputError(r.labels.string() + ": cannot be written");
        out << synth.labels_json(r.capture.filename().string());
        out.close();
        if (!out) throw InputError(r.labels.string() + ": cannot be written");
    }
    rename_into_place(tmp_capture.path, r.capture);
    tmp_capture.keep = true;
    rename_into_place(tmp_labels.path, r.labels);
    tmp_labels.keep = true;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

std::vector<fs::path> labelled_captures(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        if (p.extension() == ".h5" && fs::exists(labels_path_for(p))) out.push_back(p);
    }
    if (ec) throw InputError(dir.string() + ": cannot be read (" + ec.message() + ")");
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<fs::path> scene_files(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (it->is_regular_file() && ends_with(name, ".json") && !ends_with(name, ".labels.json") && !ends_with(name, ".report.json"))
            out.push_back(it->path());
    }
    if (ec) throw InputError(dir.string() + ": cannot be read (" + ec.message() + ")");
    std::sort(out.begin(), out.end());
    return out;
}

std::string analyze_to_json(const fs::path& capture, const analysis::AnalysisConfig& config) {
    auto reader = std::make_shared<io::CaptureReader>(capture);
    io::ReplaySource source(reader);
    // The recommendation, as `coex analyze --current-channel` gives it: the scene's expected answer
    // names the router's channel at the time of the capture.
    recommend::Config advice;
    advice.domain = config.domain;
    const auto labels = labels_path_for(capture);
    if (std::ifstream in(labels); in) {
        const auto j = nlohmann::json::parse(in, nullptr, false);
        if (!j.is_discarded() && j.contains("expect") && j["expect"].is_object() && j["expect"].contains("recommendation")) {
            const auto& expect = j["expect"]["recommendation"];
            if (expect.contains("current_channel") && expect["current_channel"].is_number_integer())
                advice.current_channel = expect["current_channel"].get<int>();
        }
    }
    const auto& metadata = reader->metadata();
    const auto report = analysis::run(source, {config, advice, {capture.string(), metadata.hardware, "", metadata.description}});
    return report::to_json(report);
}

}  // namespace coex::eval
