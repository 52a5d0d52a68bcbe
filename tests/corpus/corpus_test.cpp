// The regression corpus (captures/corpus/README.md): every case of captures/corpus/cases.json runs the
// real coex binary (`coex analyze … --json`), and its report must equal the expected one committed in
// the repository, field for field and number for number as printed, apart from the manifest's volatile
// fields. A difference fails with the JSON pointers that differ, expected against actual.
// With COEX_CORPUS_REGENERATE=1 (tools/regen-expected) each case writes its expected report instead.
#include "../source/process.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace coex {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;  // keeps coex's key order in the reports written

const fs::path kSource(COEX_SOURCE_DIR);
const fs::path kCorpus = kSource / "captures" / "corpus";
const fs::path kManifest = kCorpus / "cases.json";
const fs::path kScenes = kSource / "captures" / "scenes";
const fs::path kRealCaptures(COEX_REAL_CAPTURES);
// The coex under test: this build's, or another (COEX_CORPUS_COEX, e.g. a build of the commit before a
// refactor, to make the expected reports with).
const std::string kCoex = std::getenv("COEX_CORPUS_COEX") ? std::getenv("COEX_CORPUS_COEX") : std::string(COEX_BINARY_DIR) + "/coex";
const std::string kScenePrefix = "scene:";
const std::string kRealPrefix = "real:";
constexpr double kCoexTimeLimitS = 240.0;     // under the 300 s that coex_add_test gives each test
constexpr std::size_t kListedDifferences = 30;  // a longer list hides the first cause more than it helps
constexpr std::size_t kShownValueChars = 160;

struct Case {
    std::string name;               // e.g. "scene/noise-only"
    std::string input;              // a path in the repository, "scene:<scene file>" or "real:<path under ../shared/captures/real>"
    std::vector<std::string> args;  // more `coex analyze` arguments
    std::string expected;           // the expected report, a path in the repository
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

struct Manifest {
    std::vector<std::string> volatile_fields;  // JSON pointers dropped from both reports
    std::vector<Case> cases;
    std::string error;  // why the manifest cannot be used; empty when it can
};

bool starts_with(const std::string& s, const std::string& head) { return s.rfind(head, 0) == 0; }

// GoogleTest names hold letters, digits and '_' only.
std::string test_name(const std::string& case_name) {
    std::string out = case_name;
    std::replace_if(out.begin(), out.end(), [](unsigned char c) { return !std::isalnum(c); }, '_');
    return out;
}

Json load_json(const fs::path& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path.string() + ": cannot be read");
    try {
        return Json::parse(in);
    } catch (const Json::exception& e) {
        throw std::runtime_error(path.string() + ": " + e.what());
    }
}

std::string string_field(const Json& object, const std::string& key, const std::string& where) {
    if (!object.contains(key) || !object[key].is_string() || object[key].get<std::string>().empty())
        throw std::runtime_error(where + "." + key + ": a non-empty string is required");
    return object[key].get<std::string>();
}

Manifest read_manifest() {
    Manifest m;
    const Json j = load_json(kManifest);
    if (!j.is_object() || !j.contains("cases") || !j["cases"].is_array()) throw std::runtime_error("no \"cases\" array");
    for (const auto& [key, value] : j.items())
        if (key != "schema" && key != "volatile_fields" && key != "cases") throw std::runtime_error(key + ": unknown key");
    const Json volatile_fields = j.value("volatile_fields", Json::array());
    if (!volatile_fields.is_array()) throw std::runtime_error("volatile_fields: a list of JSON pointers is required");
    for (const auto& pointer : volatile_fields) {
        if (!pointer.is_string()) throw std::runtime_error("volatile_fields: JSON pointers (strings) are required");
        [[maybe_unused]] const Json::json_pointer well_formed(pointer.get<std::string>());  // throws when it is not
        m.volatile_fields.push_back(pointer.get<std::string>());
    }
    std::set<std::string> test_names, expected_paths;
    for (std::size_t i = 0; i < j["cases"].size(); ++i) {
        const Json& c = j["cases"][i];
        const std::string where = "cases[" + std::to_string(i) + "]";
        if (!c.is_object()) throw std::runtime_error(where + ": an object is required");
        for (const auto& [key, value] : c.items())
            if (key != "name" && key != "input" && key != "args" && key != "expected") throw std::runtime_error(where + "." + key + ": unknown key");
        Case k{string_field(c, "name", where), string_field(c, "input", where), {}, string_field(c, "expected", where)};
        const Json args = c.value("args", Json::array());
        if (!args.is_array()) throw std::runtime_error(where + ".args: a list of strings is required");
        for (const auto& a : args) {
            if (!a.is_string()) throw std::runtime_error(where + ".args: strings are required");
            k.args.push_back(a.get<std::string>());
        }
        if (!test_names.insert(test_name(k.name)).second)
            throw std::runtime_error(where + ": the name '" + k.name + "' gives the same test name as an earlier case");
        if (!expected_paths.insert(k.expected).second) throw std::runtime_error(where + ": another case writes " + k.expected);
        m.cases.push_back(std::move(k));
    }
    return m;
}

// Read once, when the tests are registered: an unusable manifest registers no case, and
// CorpusManifest.IsValid says why.
const Manifest& manifest() {
    static const Manifest m = [] {
        try {
            return read_manifest();
        } catch (const std::exception& e) {
            Manifest failed;
            failed.error = kManifest.string() + ": " + e.what();
            return failed;
        }
    }();
    return m;
}

bool regenerating() {
    const char* v = std::getenv("COEX_CORPUS_REGENERATE");
    return v != nullptr && *v != '\0' && std::string(v) != "0";
}

void drop_volatile_fields(Json& report) {
    for (const auto& text : manifest().volatile_fields) {
        const Json::json_pointer pointer(text);
        if (pointer.empty() || !report.contains(pointer)) continue;
        Json& parent = report[pointer.parent_pointer()];
        if (parent.is_object()) parent.erase(pointer.back());
        else if (parent.is_array()) parent.erase(std::stoul(pointer.back()));
    }
}

// ---- differences, as JSON pointers with the expected and the actual value ----------------------

std::string pointer_token(const std::string& key) {  // RFC 6901: '~' -> "~0", '/' -> "~1"
    std::string out;
    for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
    return out;
}

std::string shown(const Json& value) {
    std::string text = value.dump();
    if (text.size() > kShownValueChars) text = text.substr(0, kShownValueChars - 3) + "...";
    return text;
}

// Integers signed or not are one kind; a number printed with a fraction where an integer was (or the
// other way round) is a difference even when the values are equal.
int kind(const Json& v) {
    if (v.is_number_integer()) return 100;  // true for unsigned too
    return static_cast<int>(v.type());
}

void collect_differences(const Json& expected, const Json& actual, const std::string& pointer, std::vector<std::string>& out) {
    const std::string where = pointer.empty() ? "(the whole report)" : pointer;
    if (kind(expected) != kind(actual)) {
        out.push_back(where + ": expected " + shown(expected) + ", actual " + shown(actual));
        return;
    }
    if (expected.is_object()) {
        for (const auto& [key, value] : expected.items()) {
            const std::string inner = pointer + "/" + pointer_token(key);
            if (actual.contains(key)) collect_differences(value, actual.at(key), inner, out);
            else out.push_back(inner + ": expected " + shown(value) + ", actual absent");
        }
        for (const auto& [key, value] : actual.items())
            if (!expected.contains(key)) out.push_back(pointer + "/" + pointer_token(key) + ": expected absent, actual " + shown(value));
        return;
    }
    if (expected.is_array()) {
        const std::size_t common = std::min(expected.size(), actual.size());
        for (std::size_t i = 0; i < common; ++i) collect_differences(expected[i], actual[i], pointer + "/" + std::to_string(i), out);
        for (std::size_t i = common; i < expected.size(); ++i)
            out.push_back(pointer + "/" + std::to_string(i) + ": expected " + shown(expected[i]) + ", actual absent");
        for (std::size_t i = common; i < actual.size(); ++i)
            out.push_back(pointer + "/" + std::to_string(i) + ": expected absent, actual " + shown(actual[i]));
        return;
    }
    if (expected != actual) out.push_back(where + ": expected " + shown(expected) + ", actual " + shown(actual));
}

std::string listed(const std::vector<std::string>& differences) {
    std::ostringstream s;
    for (std::size_t i = 0; i < differences.size() && i < kListedDifferences; ++i) s << "  " << differences[i] << "\n";
    if (differences.size() > kListedDifferences) s << "  … and " << differences.size() - kListedDifferences << " more\n";
    return s.str();
}

std::string command_line(const std::vector<std::string>& argv) {
    std::string line;
    for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
    return line;
}

// What `coex eval` passes for a scene: the router's channel at the time of the scene, when it names one.
std::vector<std::string> scene_arguments(const fs::path& scene) {
    const Json j = load_json(scene);
    const Json::json_pointer current("/expect/recommendation/current_channel");
    if (j.contains(current) && j[current].is_number_integer()) return {"--current-channel", std::to_string(j[current].get<int>())};
    return {};
}

// ---- one test per case -----------------------------------------------------------------------

class CorpusCase : public ::testing::TestWithParam<Case> {
protected:
    void SetUp() override {
        work_ = fs::temp_directory_path() / ("coex-corpus-" + std::to_string(::getpid()) + "-" + test_name(GetParam().name));
        fs::remove_all(work_);
        fs::create_directories(work_);
    }
    void TearDown() override { fs::remove_all(work_); }
    fs::path work_;
};

TEST_P(CorpusCase, MatchesExpectedReport) {
    const Case& c = GetParam();
    std::vector<std::string> analyze{kCoex, "analyze"};
    std::string reproduce;  // the commands, for the failure message
    if (starts_with(c.input, kScenePrefix)) {
        // Scenes are synthesised from their fixed seed by the coex under test, not committed as captures.
        const fs::path scene = kSource / c.input.substr(kScenePrefix.size());
        const fs::path capture = work_ / (scene.stem().string() + ".h5");
        const std::vector<std::string> synth{kCoex, "synth", scene.string(), "-o", capture.string()};
        const auto made = test::run(synth, work_, kCoexTimeLimitS);
        ASSERT_EQ(made.code, 0) << command_line(synth) << (made.timed_out ? " timed out" : "") << "\n" << made.err;
        reproduce = command_line(synth) + " && ";
        analyze.push_back(capture.string());
        const auto settings = scene_arguments(scene);
        analyze.insert(analyze.end(), settings.begin(), settings.end());
    } else if (starts_with(c.input, kRealPrefix)) {
        if (!fs::is_directory(kRealCaptures))
            GTEST_SKIP() << kRealCaptures.string() << " is absent: the real recordings live beside the project, not in it";
        const fs::path recording = kRealCaptures / c.input.substr(kRealPrefix.size());
        ASSERT_TRUE(fs::is_regular_file(recording)) << recording << " is missing from " << kRealCaptures;
        analyze.push_back(recording.string());
    } else {
        analyze.push_back((kSource / c.input).string());
    }
    const fs::path report_path = work_ / "report.json";
    // FFTW plans estimated, not measured: a measured plan depends on the machine's timing, and its last-bit
    // rounding shows in the few fields printed to 6 decimals (a spur's receiver products, USB 3.0 ripple).
    analyze.insert(analyze.end(), {"--json", report_path.string(), "--quiet", "--fft-estimate"});
    analyze.insert(analyze.end(), c.args.begin(), c.args.end());

    reproduce += command_line(analyze);
    const auto run = test::run(analyze, work_, kCoexTimeLimitS);
    ASSERT_EQ(run.code, 0) << reproduce << (run.timed_out ? " timed out" : "") << "\n" << run.err;
    Json actual = load_json(report_path);
    drop_volatile_fields(actual);

    const fs::path expected_path = kSource / c.expected;
    if (regenerating()) {
        if (fs::exists(expected_path)) {
            Json previous = load_json(expected_path);
            drop_volatile_fields(previous);
            std::vector<std::string> changes;
            collect_differences(previous, actual, "", changes);
            if (!changes.empty()) std::cout << c.expected << ": " << changes.size() << " changes (old, then new)\n" << listed(changes);
        }
        fs::create_directories(expected_path.parent_path());
        std::ofstream out(expected_path, std::ios::binary | std::ios::trunc);
        out << actual.dump(2) << "\n";  // as coex writes it, so the committed files read like reports
        out.close();
        ASSERT_TRUE(out) << expected_path << ": cannot be written";
        return;
    }

    ASSERT_TRUE(fs::exists(expected_path)) << expected_path << " does not exist: tools/regen-expected writes it";
    Json expected = load_json(expected_path);
    drop_volatile_fields(expected);
    std::vector<std::string> differences;
    collect_differences(expected, actual, "", differences);
    if (!differences.empty())
        ADD_FAILURE() << "the report of " << c.name << " differs from " << c.expected << " in " << differences.size()
                      << (differences.size() == 1 ? " place" : " places") << ":\n"
                      << listed(differences) << "made by: " << reproduce << "\n"
                      << "(an intended change: tools/regen-expected, then review the diff of captures/corpus)";
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusCase, ::testing::ValuesIn(manifest().cases),
                         [](const ::testing::TestParamInfo<Case>& info) { return test_name(info.param.name); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CorpusCase);  // an unusable manifest: IsValid says why

// ---- the manifest itself -----------------------------------------------------------------------

TEST(CorpusManifest, IsValid) {
    EXPECT_EQ(manifest().error, "");
    EXPECT_FALSE(manifest().cases.empty());
}

// A scene added to captures/scenes joins the corpus: one line in the manifest and tools/regen-expected.
TEST(CorpusManifest, CoversEveryScene) {
    std::set<std::string> inputs;
    for (const auto& c : manifest().cases) inputs.insert(c.input);
    std::vector<std::string> missing;
    for (const auto& entry : fs::directory_iterator(kScenes)) {
        const std::string file = entry.path().filename().string();
        if (entry.path().extension() != ".json" || file.ends_with(".labels.json") || file.ends_with(".report.json")) continue;
        const std::string input = kScenePrefix + fs::relative(entry.path(), kSource).generic_string();
        if (!inputs.contains(input)) missing.push_back(input);
    }
    std::sort(missing.begin(), missing.end());
    EXPECT_TRUE(missing.empty()) << "scenes without a case in " << kManifest << ":\n" << listed(missing);
}

// An expected report no case checks is a case removed by half.
TEST(CorpusManifest, EveryExpectedReportHasACase) {
    std::set<std::string> expected;
    for (const auto& c : manifest().cases) expected.insert(c.expected);
    std::vector<std::string> orphans;
    for (const auto& entry : fs::recursive_directory_iterator(kCorpus)) {
        const std::string file = entry.path().filename().string();
        if (!entry.is_regular_file() || !file.ends_with(".report.json")) continue;
        const std::string path = fs::relative(entry.path(), kSource).generic_string();
        if (!expected.contains(path)) orphans.push_back(path);
    }
    std::sort(orphans.begin(), orphans.end());
    EXPECT_TRUE(orphans.empty()) << "expected reports that no case of " << kManifest << " names:\n" << listed(orphans);
}

}  // namespace
}  // namespace coex
