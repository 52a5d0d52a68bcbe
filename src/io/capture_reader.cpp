// CaptureReader: opens and validates a coex capture (docs/capture-format.md), then reads samples on
// demand with hyperslab selections into a reusable buffer.
#include "coex/core/error.hpp"
#include "coex/core/text.hpp"
#include "coex/io/capture.hpp"
#include "hdf5_util.hpp"
#include "library_watchdog.hpp"
#include "ordered_file.hpp"
#include "samples.hpp"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <chrono>
#include <optional>
#include <thread>
#include <stdexcept>
#include <string_view>
#include <tuple>

namespace coex::io {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view format_name = "coex-capture";
constexpr int format_version = 1;
constexpr std::string_view accepted_types =
    "accepted: int8, int16 or float32 of shape (N, 2), or complex64 (compound r, i) of shape (N,)";

std::string number_text(double value) {
    char text[64];
    const auto result = std::to_chars(text, text + sizeof text, value);
    return std::string(text, result.ptr);
}

std::string shape_text(const std::vector<hsize_t>& dims) {
    std::string text = "(";
    for (std::size_t k = 0; k < dims.size(); ++k) {
        text += (k == 0 ? "" : ", ") + std::to_string(dims[k]);
    }
    return text + (dims.size() == 1 ? ",)" : ")");
}

// How a dataset stores its samples: (N, 2) pairs of a real type, or (N,) of the complex64 compound.
enum class Layout { pairs, complex };

struct StoredType {
    std::optional<SampleType> type;  // empty when unsupported
    Layout layout = Layout::pairs;
    std::string name;  // for messages: "int8", "float64", "complex128", "uint16", …
};

struct FreeHdf5Memory {
    void operator()(char* p) const noexcept { H5free_memory(p); }
};
using Hdf5String = std::unique_ptr<char, FreeHdf5Memory>;

}  // namespace

std::string to_string(SampleType type) {
    switch (type) {
        case SampleType::int8: return "int8";
        case SampleType::int16: return "int16";
        case SampleType::float32: return "float32";
    }
    return "unknown";
}

struct CaptureReader::Impl {
    struct Segment {
        std::string label;  // "segment 3" (group /segments/3) or "segment 0 (/iq)"
        h5::Object dataset;
        h5::Dataspace file_space;
        Layout layout = Layout::pairs;
    };
    struct Found {  // a segment while the file is being validated, before sorting
        SegmentDescription description;
        Segment segment;
        std::uint64_t number = 0;
    };

    fs::path path;
    std::string name;  // the path as text: the start of every message
    h5::File file;     // declared before the segments, so it is closed after their datasets
    CaptureMetadata metadata;
    std::vector<SegmentDescription> descriptions;
    std::vector<Segment> segments;
    std::size_t unfinished_segments = 0;

    h5::Datatype complex_type;  // memory type {float r; float i;}, laid out like cf32
    h5::Dataspace memory_space;
    int memory_rank = 0;
    hsize_t memory_rows = 0;
    StoredSamples stored;  // read()'s integers before their conversion
    bool check_finite = true;

    explicit Impl(const fs::path& p) : path(p), name(p.string()) {}

    [[noreturn]] void fail(std::string_view what) const {
        throw InputError(name + ": " + std::string(what));
    }
    // An HDF5 call failed on a file that passed the signature check: report HDF5's own reason.
    [[noreturn]] void damaged(std::string_view doing) const {
        const std::string detail = h5::last_error();
        fail("file is truncated or damaged (" + std::string(doing) + (detail.empty() ? "" : ": " + detail) +
             ")");
    }

    void open();
    void read_root_attributes();
    void find_segments();
    Found load_segment(std::string label, hid_t holder, h5::Object dataset, bool is_root, std::uint64_t number);
    StoredType stored_type(hid_t type) const;
    // Checks the dataset's filters can be decoded; returns how many there are.
    int check_filters(const std::string& where, hid_t dataset) const;
    h5::Object without_chunk_cache(h5::Object dataset) const;
    std::uint64_t stored_length(const std::string& where, hid_t dataset, std::uint64_t rows) const;

    std::optional<double> number_attribute(hid_t object, const char* attribute, const std::string& where) const;
    double required_number(hid_t object, const char* attribute, const std::string& where) const;
    std::optional<std::string> string_attribute(hid_t object, const char* attribute,
                                                const std::string& where) const;
    h5::Attribute open_attribute(hid_t object, const char* attribute, const std::string& where) const;

    hid_t select_memory(int rank, hsize_t rows);
};

// ---- opening and validation ----------------------------------------------------------------------

void CaptureReader::Impl::open() {
    h5::silence_errors();

    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (status.type() == fs::file_type::not_found) {
        fail("no such file");
    }
    if (status.type() == fs::file_type::directory) {
        fail("is a directory, not a capture file");
    }
    {
        // HDF5's own message for an unreadable file is obscure; ask the OS first.
        errno = 0;
        const std::unique_ptr<std::FILE, int (*)(std::FILE*)> probe(std::fopen(name.c_str(), "rb"), &std::fclose);
        if (!probe) {
            fail(std::string("cannot be opened (") + std::strerror(errno) + ")");
        }
    }
    const htri_t is_hdf5 = H5Fis_hdf5(name.c_str());
    if (is_hdf5 <= 0) {
        fail("not an HDF5 file");
    }
    // HDF5 1.10 can loop forever in here on a damaged file (library_watchdog.hpp).
    const LibraryWatchdog watchdog(name + ": file is damaged (HDF5 spent " +
                                       std::to_string(kMetadataCpuLimit.count() / 1000) +
                                       " s of CPU reading its metadata without finishing: HDF5 1.10 loops on a "
                                       "damaged global heap; 1.14.2 and later reject it)",
                                   kMetadataCpuLimit);
    // HDF5 locks the file (flock) while a program has it open for writing. A writer that was just
    // killed holds it until the kernel has finished tearing the process down, which can be a moment after
    // whoever killed it moved on (`timeout -s KILL` returns before its child is gone): wait a little.
    constexpr auto lock_patience = std::chrono::seconds(3);
    // Through the driver CaptureWriter writes with, which reads like HDF5's own: a file this process is
    // still writing is then shared with its writer, as HDF5 shares a file opened twice with one driver,
    // instead of refused as locked.
    const h5::PropertyList access(h5::ordered_file_access());
    if (!access) {
        throw std::runtime_error("cannot set up HDF5's file access: " + h5::last_error());
    }
    const auto first_try = std::chrono::steady_clock::now();
    for (;;) {
        file = h5::File(H5Fopen(name.c_str(), H5F_ACC_RDONLY, access.get()));
        if (file) {
            break;
        }
        const std::string detail = h5::last_error();
        if (lower_case(detail).find("unable to lock") == std::string::npos) {
            fail("file is truncated or damaged (" + detail + ")");
        }
        if (std::chrono::steady_clock::now() - first_try >= lock_patience) {
            fail("is locked by another program, which is still writing it (waited 3 s; " + detail + ")");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    read_root_attributes();
    find_segments();
}

h5::Attribute CaptureReader::Impl::open_attribute(hid_t object, const char* attribute,
                                                  const std::string& where) const {
    const htri_t exists = H5Aexists(object, attribute);
    if (exists < 0) {
        damaged(where + "looking for attribute '" + attribute + "'");
    }
    if (exists == 0) {
        return {};
    }
    h5::Attribute attr(H5Aopen(object, attribute, H5P_DEFAULT));
    if (!attr) {
        damaged(where + "opening attribute '" + attribute + "'");
    }
    const h5::Dataspace space(H5Aget_space(attr.get()));
    if (!space) {
        damaged(where + "reading attribute '" + attribute + "'");
    }
    const hssize_t points = H5Sget_simple_extent_npoints(space.get());
    if (points != 1) {
        fail(where + "attribute '" + attribute + "' holds " + std::to_string(points) + " values; expected one");
    }
    return attr;
}

std::optional<double> CaptureReader::Impl::number_attribute(hid_t object, const char* attribute,
                                                            const std::string& where) const {
    const h5::Attribute attr = open_attribute(object, attribute, where);
    if (!attr) {
        return std::nullopt;
    }
    const h5::Datatype type(H5Aget_type(attr.get()));
    const H5T_class_t type_class = type ? H5Tget_class(type.get()) : H5T_NO_CLASS;
    if (type_class != H5T_INTEGER && type_class != H5T_FLOAT) {
        fail(where + "attribute '" + attribute + "' is " + (type_class == H5T_STRING ? "a string" : "not a number") +
             "; expected a number");
    }
    double value = 0.0;  // HDF5 converts any integer or float type to double
    if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value) < 0) {
        damaged(where + "reading attribute '" + attribute + "'");
    }
    return value;
}

double CaptureReader::Impl::required_number(hid_t object, const char* attribute, const std::string& where) const {
    const auto value = number_attribute(object, attribute, where);
    if (!value) {
        fail(where + "attribute '" + attribute + "' is missing");
    }
    return *value;
}

std::optional<std::string> CaptureReader::Impl::string_attribute(hid_t object, const char* attribute,
                                                                 const std::string& where) const {
    const h5::Attribute attr = open_attribute(object, attribute, where);
    if (!attr) {
        return std::nullopt;
    }
    const h5::Datatype file_type(H5Aget_type(attr.get()));
    if (!file_type || H5Tget_class(file_type.get()) != H5T_STRING) {
        fail(where + "attribute '" + attribute + "' is not a string");
    }
    const htri_t variable = H5Tis_variable_str(file_type.get());
    if (variable < 0) {
        damaged(where + "reading attribute '" + attribute + "'");
    }
    if (variable > 0) {
        // Variable length (what h5py writes): HDF5 allocates the text; the memory type keeps the
        // file's character set, since HDF5 refuses to convert between ASCII and UTF-8.
        const h5::Datatype memory_type(H5Tcopy(H5T_C_S1));
        if (!memory_type || H5Tset_size(memory_type.get(), H5T_VARIABLE) < 0 ||
            H5Tset_cset(memory_type.get(), H5Tget_cset(file_type.get())) < 0) {
            damaged(where + "reading attribute '" + attribute + "'");
        }
        char* raw = nullptr;
        if (H5Aread(attr.get(), memory_type.get(), &raw) < 0) {
            damaged(where + "reading attribute '" + attribute + "'");
        }
        const Hdf5String text(raw);
        return text ? std::string(text.get()) : std::string();
    }
    // Fixed length: read the bytes as stored, then drop the padding (NULs, or spaces for SPACEPAD).
    const std::size_t size = H5Tget_size(file_type.get());
    std::string text(size, '\0');
    if (size == 0 || H5Aread(attr.get(), file_type.get(), text.data()) < 0) {
        damaged(where + "reading attribute '" + attribute + "'");
    }
    text.resize(std::min(text.size(), text.find('\0')));
    if (H5Tget_strpad(file_type.get()) == H5T_STR_SPACEPAD) {
        text.erase(text.find_last_not_of(' ') + 1);
    }
    return text;
}

void CaptureReader::Impl::read_root_attributes() {
    const h5::Group root(H5Gopen2(file.get(), "/", H5P_DEFAULT));
    if (!root) {
        damaged("opening the root group");
    }
    const std::string where;
    if (const auto format = string_attribute(root.get(), "coex_format", where); format && *format != format_name) {
        fail("attribute 'coex_format' is '" + printable(*format) + "'; expected '" + std::string(format_name) + "'");
    }
    if (const auto version = number_attribute(root.get(), "coex_version", where)) {
        if (!std::isfinite(*version) || *version != std::floor(*version) || *version < 1) {
            fail("attribute 'coex_version' is " + number_text(*version) + "; expected a whole number >= 1");
        }
        if (*version > format_version) {
            fail("coex_version " + number_text(*version) + " is newer than this reader supports (" +
                 std::to_string(format_version) + ")");
        }
    }
    metadata.hardware = string_attribute(root.get(), "hardware", where).value_or("");
    metadata.datetime = string_attribute(root.get(), "datetime", where).value_or("");
    metadata.description = string_attribute(root.get(), "description", where).value_or("");
}

void CaptureReader::Impl::find_segments() {
    std::vector<Found> found;
    const htri_t has_segments = H5Lexists(file.get(), "segments", H5P_DEFAULT);
    if (has_segments < 0) {
        damaged("looking for /segments");
    }
    if (has_segments > 0) {
        const h5::Object group(H5Oopen(file.get(), "segments", H5P_DEFAULT));
        if (!group) {
            damaged("opening /segments");
        }
        if (H5Iget_type(group.get()) != H5I_GROUP) {
            fail("'/segments' is not a group");
        }
        H5G_info_t info{};
        if (H5Gget_info(group.get(), &info) < 0) {
            damaged("listing /segments");
        }
        std::vector<std::pair<std::string, hsize_t>> members;  // name, index in name order
        std::vector<std::uint64_t> numbers;
        bool unnamed = false;
        for (hsize_t k = 0; k < info.nlinks; ++k) {
            const ssize_t length =
                H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, k, nullptr, 0, H5P_DEFAULT);
            if (length < 0) {
                damaged("listing /segments");
            }
            std::string member(static_cast<std::size_t>(length), '\0');
            if (H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, k, member.data(), member.size() + 1,
                                   H5P_DEFAULT) < 0) {
                damaged("listing /segments");
            }
            if (member.empty() && !unnamed) {
                // A name not yet on disk: the newest link of a writer killed while it wrote /segments'
                // symbol node but not its heap of names. Left out, and counted.
                unnamed = true;
                ++unfinished_segments;
                continue;
            }
            std::uint64_t number = 0;
            const auto [end, error] = std::from_chars(member.data(), member.data() + member.size(), number);
            if (member.empty() || error != std::errc() || end != member.data() + member.size()) {
                fail("'/segments' holds '" + printable(member) + "'; expected only groups named 0, 1, 2, ...");
            }
            if (std::find(numbers.begin(), numbers.end(), number) != numbers.end()) {
                // Listed twice: a writer killed while it split a full symbol-table node of /segments had
                // pointed the index at the new node but not yet cut the old one short. The same group.
                continue;
            }
            members.emplace_back(std::move(member), k);
            numbers.push_back(number);
        }
        const std::uint64_t newest = numbers.empty() ? 0 : *std::max_element(numbers.begin(), numbers.end());
        for (std::size_t m = 0; m < members.size(); ++m) {
            const auto& [member, index] = members[m];
            const std::uint64_t number = numbers[m];
            const std::string label = "segment " + member;
            try {
                // By position, not by name: a lookup by name walks the keys of /segments' index, which
                // a writer killed while adding a name can leave pointing at text not yet on disk.
                h5::Object segment(
                    H5Oopen_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, index, H5P_DEFAULT));
                if (!segment) {
                    damaged(label + ": opening /segments/" + member);
                }
                if (H5Iget_type(segment.get()) != H5I_GROUP) {
                    fail(label + ": '/segments/" + member + "' is not a group");
                }
                const htri_t has_iq = H5Lexists(segment.get(), "iq", H5P_DEFAULT);
                if (has_iq < 0) {
                    damaged(label + ": looking for 'iq'");
                }
                if (has_iq == 0) {
                    fail(label + ": dataset 'iq' is missing");
                }
                h5::Object dataset(H5Oopen(segment.get(), "iq", H5P_DEFAULT));
                if (!dataset) {
                    damaged(label + ": opening 'iq'");
                }
                found.push_back(load_segment(label, segment.get(), std::move(dataset), false, number));
            } catch (const InputError& e) {
                // The newest segment of a recorder killed while it named that segment in /segments
                // (one flush, torn): its name can be on disk while the blocks it leads to lie past the
                // end of file the superblock gives, or not be found by name. Skipped and counted; any
                // other damage, or damage anywhere else, is damage.
                const std::string_view message = e.what();
                const bool past_the_end = message.find("adjustment for EOA") != std::string_view::npos ||
                                          message.find("addr overflow") != std::string_view::npos ||
                                          message.find("doesn't exist") != std::string_view::npos;
                if (number != newest || !past_the_end ||
                    message.find("file is truncated or damaged") == std::string_view::npos) {
                    throw;
                }
                if (members.size() == 1 && !unnamed) {
                    fail("no segments but an unfinished or damaged one (" + std::string(e.what()).substr(name.size() + 2) + ")");
                }
                ++unfinished_segments;
            }
        }
    } else {
        const htri_t has_iq = H5Lexists(file.get(), "iq", H5P_DEFAULT);
        if (has_iq < 0) {
            damaged("looking for /iq");
        }
        if (has_iq > 0) {
            h5::Object dataset(H5Oopen(file.get(), "iq", H5P_DEFAULT));
            if (!dataset) {
                damaged("opening /iq");
            }
            const hid_t holder = dataset.get();  // the root dataset carries its own attributes
            found.push_back(load_segment("segment 0 (/iq)", holder, std::move(dataset), true, 0));
        }
    }
    if (found.empty()) {
        fail("no segments: expected /segments/<n>/iq or /iq");
    }

    std::stable_sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
        return std::tie(a.description.info.start_time_s, a.number) <
               std::tie(b.description.info.start_time_s, b.number);
    });
    for (auto& f : found) {
        descriptions.push_back(f.description);
        segments.push_back(std::move(f.segment));
    }
    if (std::any_of(segments.begin(), segments.end(), [](const Segment& s) { return s.layout == Layout::complex; })) {
        complex_type = h5::Datatype(H5Tcreate(H5T_COMPOUND, sizeof(cf32)));
        if (!complex_type || H5Tinsert(complex_type.get(), "r", 0, H5T_NATIVE_FLOAT) < 0 ||
            H5Tinsert(complex_type.get(), "i", sizeof(float), H5T_NATIVE_FLOAT) < 0) {
            throw std::runtime_error("cannot build the HDF5 complex64 memory type: " + h5::last_error());
        }
    }
}

CaptureReader::Impl::Found CaptureReader::Impl::load_segment(std::string label, hid_t holder, h5::Object dataset,
                                                             bool is_root, std::uint64_t number) {
    const std::string where = label + ": ";
    Found f;
    f.number = number;
    SegmentInfo& info = f.description.info;

    info.center_frequency_hz = required_number(holder, "center_frequency", where);
    if (!std::isfinite(info.center_frequency_hz)) {
        fail(where + "attribute 'center_frequency' is " + number_text(info.center_frequency_hz) +
             "; expected a finite frequency in Hz");
    }
    info.sample_rate_hz = required_number(holder, "sample_rate", where);
    if (!std::isfinite(info.sample_rate_hz) || info.sample_rate_hz <= 0.0) {
        fail(where + "attribute 'sample_rate' is " + number_text(info.sample_rate_hz) +
             "; expected a finite rate > 0 in Hz");
    }
    const auto start = number_attribute(holder, "start_time", where);
    if (!start && !is_root) {
        fail(where + "attribute 'start_time' is missing");
    }
    info.start_time_s = start.value_or(0.0);
    if (!std::isfinite(info.start_time_s)) {
        fail(where + "attribute 'start_time' is " + number_text(info.start_time_s) + "; expected finite seconds");
    }
    info.gain_db = number_attribute(holder, "gain_db", where);
    if (info.gain_db && !std::isfinite(*info.gain_db)) {
        fail(where + "attribute 'gain_db' is " + number_text(*info.gain_db) + "; expected a finite value in dB");
    }
    info.bandwidth_hz = number_attribute(holder, "bandwidth", where);
    if (info.bandwidth_hz && (!std::isfinite(*info.bandwidth_hz) || *info.bandwidth_hz <= 0.0 ||
                              *info.bandwidth_hz > info.sample_rate_hz)) {
        fail(where + "attribute 'bandwidth' is " + number_text(*info.bandwidth_hz) +
             "; expected the usable passband in Hz, > 0 and at most the sample rate");
    }

    if (H5Iget_type(dataset.get()) != H5I_DATASET) {
        fail(where + "'iq' is not a dataset");
    }
    const h5::Datatype type(H5Dget_type(dataset.get()));
    if (!type) {
        damaged(where + "reading the type of 'iq'");
    }
    const StoredType stored = stored_type(type.get());
    if (!stored.type) {
        fail(where + "'iq' has type " + stored.name + "; " + std::string(accepted_types));
    }
    h5::Dataspace space(H5Dget_space(dataset.get()));
    const int rank = space ? H5Sget_simple_extent_ndims(space.get()) : -1;
    if (rank < 0) {
        damaged(where + "reading the shape of 'iq'");
    }
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0) {
        damaged(where + "reading the shape of 'iq'");
    }
    if (stored.layout == Layout::pairs && (rank != 2 || dims[1] != 2)) {
        fail(where + "'iq' has shape " + shape_text(dims) + "; expected (N, 2) or complex64 (N,)");
    }
    if (stored.layout == Layout::complex && rank != 1) {
        fail(where + "'iq' is complex64 of shape " + shape_text(dims) + "; expected (N,)");
    }
    if (dims[0] == 0) {
        fail(where + "'iq' is empty");
    }
    const std::uint64_t length = stored_length(where, dataset.get(), dims[0]);
    if (length == 0) {
        fail(where + "'iq' holds no stored samples");
    }
    if (check_filters(where, dataset.get()) == 0) {
        dataset = without_chunk_cache(std::move(dataset));
    }

    f.description.length = length;
    f.description.type = *stored.type;
    // the step of the stored integers as read (scaled by 128 or 32768 to full scale 1.0)
    f.description.info.quantisation_step = *stored.type == SampleType::int8    ? 1.0 / 128.0
                                           : *stored.type == SampleType::int16 ? 1.0 / 32768.0
                                                                                : 0.0;
    f.segment = Segment{std::move(label), std::move(dataset), std::move(space), stored.layout};
    return f;
}

StoredType CaptureReader::Impl::stored_type(hid_t type) const {
    StoredType stored;
    const std::size_t bits = H5Tget_size(type) * 8;
    switch (H5Tget_class(type)) {
        case H5T_INTEGER: {
            const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
            stored.name = (is_signed ? "int" : "uint") + std::to_string(bits);
            if (is_signed && bits == 8) {
                stored.type = SampleType::int8;
            } else if (is_signed && bits == 16) {
                stored.type = SampleType::int16;
            }
            return stored;
        }
        case H5T_FLOAT:
            stored.name = "float" + std::to_string(bits);
            if (bits == 32) {
                stored.type = SampleType::float32;
            }
            return stored;
        case H5T_COMPOUND: {
            stored.name = "compound";
            stored.layout = Layout::complex;
            if (H5Tget_nmembers(type) != 2) {
                return stored;
            }
            std::string member_names[2];
            std::size_t member_bits[2] = {0, 0};
            for (unsigned m = 0; m < 2; ++m) {
                const Hdf5String member(H5Tget_member_name(type, m));
                const h5::Datatype member_type(H5Tget_member_type(type, m));
                if (!member || !member_type || H5Tget_class(member_type.get()) != H5T_FLOAT) {
                    return stored;
                }
                member_names[m] = member.get();
                member_bits[m] = H5Tget_size(member_type.get()) * 8;
            }
            const bool r_and_i = (member_names[0] == "r" && member_names[1] == "i") ||
                                 (member_names[0] == "i" && member_names[1] == "r");
            if (!r_and_i || member_bits[0] != member_bits[1]) {
                return stored;
            }
            stored.name = "complex" + std::to_string(2 * member_bits[0]);
            if (member_bits[0] == 32) {
                stored.type = SampleType::float32;
            }
            return stored;
        }
        case H5T_STRING: stored.name = "string"; return stored;
        case H5T_BITFIELD: stored.name = "bitfield"; return stored;
        case H5T_OPAQUE: stored.name = "opaque"; return stored;
        case H5T_REFERENCE: stored.name = "reference"; return stored;
        case H5T_ENUM: stored.name = "enum"; return stored;
        case H5T_VLEN: stored.name = "variable-length"; return stored;
        case H5T_ARRAY: stored.name = "array"; return stored;
        default: stored.name = "unknown"; return stored;
    }
}

// Samples stored without filters need no chunk cache: read past it, straight into the caller's buffer
// (the cache would cost a copy of every sample). The dataset is closed and opened again with that
// access property (HDF5 shares one dataset structure between the handles of an open dataset, and
// takes the cache size only when it first opens it); kept as opened when it cannot be.
h5::Object CaptureReader::Impl::without_chunk_cache(h5::Object dataset) const {
    const ssize_t length = H5Iget_name(dataset.get(), nullptr, 0);
    if (length <= 0) {
        return dataset;
    }
    std::string name(static_cast<std::size_t>(length) + 1, '\0');
    if (H5Iget_name(dataset.get(), name.data(), name.size()) != length) {
        return dataset;
    }
    name.resize(static_cast<std::size_t>(length));
    const h5::PropertyList access(H5Pcreate(H5P_DATASET_ACCESS));
    if (!access || H5Pset_chunk_cache(access.get(), H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0, H5D_CHUNK_CACHE_W0_DEFAULT) < 0) {
        return dataset;
    }
    if (!h5::Object(H5Oopen(file.get(), name.c_str(), H5P_DEFAULT))) {
        return dataset;  // not found by name (a killed writer's torn index of names): kept as opened
    }
    dataset.reset();
    h5::Object reopened(H5Dopen2(file.get(), name.c_str(), access.get()));
    return reopened ? std::move(reopened) : h5::Object(H5Oopen(file.get(), name.c_str(), H5P_DEFAULT));
}

// The samples of a chunked dataset up to its last stored chunk. A writer killed in the middle of a flush
// can leave the dataset's extent covering a chunk its index does not yet point to (HDF5 would read it
// as zeros), or an index pointing past the end of the file the superblock describes (HDF5 refuses to
// read it): both are samples that never reached the file, so the segment ends before them.
std::uint64_t CaptureReader::Impl::stored_length(const std::string& where, hid_t dataset, std::uint64_t rows) const {
    const h5::PropertyList create(H5Dget_create_plist(dataset));
    if (!create) {
        damaged(where + "reading the storage of 'iq'");
    }
    if (H5Pget_layout(create.get()) != H5D_CHUNKED || rows == 0) {
        return rows;
    }
    hsize_t chunk_dims[2] = {0, 0};
    if (H5Pget_chunk(create.get(), 2, chunk_dims) < 1 || chunk_dims[0] == 0) {
        damaged(where + "reading the chunk shape of 'iq'");
    }
    haddr_t end_of_file = HADDR_UNDEF;
    if (H5Fget_eoa(file.get(), &end_of_file) < 0) {
        damaged(where + "reading the size of the file");
    }
    const hsize_t chunk_rows = chunk_dims[0];
    std::uint64_t stored = rows;
    for (hsize_t first = (rows - 1) / chunk_rows * chunk_rows;; first -= chunk_rows) {
        const hsize_t offset[2] = {first, 0};
        unsigned filter_mask = 0;
        haddr_t address = HADDR_UNDEF;
        hsize_t size = 0;
        if (H5Dget_chunk_info_by_coord(dataset, offset, &filter_mask, &address, &size) < 0) {
            damaged(where + "reading the chunk index of 'iq'");
        }
        const bool present = address != HADDR_UNDEF && size > 0 && address + size <= end_of_file;
        if (present || first == 0) {
            return present ? stored : 0;
        }
        stored = first;
    }
}

int CaptureReader::Impl::check_filters(const std::string& where, hid_t dataset) const {
    const h5::PropertyList create(H5Dget_create_plist(dataset));
    if (!create) {
        damaged(where + "reading the storage of 'iq'");
    }
    const int count = H5Pget_nfilters(create.get());
    for (int k = 0; k < count; ++k) {
        unsigned flags = 0;
        std::size_t values = 0;
        unsigned config = 0;
        char filter_name[128] = {};
        const H5Z_filter_t id = H5Pget_filter2(create.get(), static_cast<unsigned>(k), &flags, &values, nullptr,
                                               sizeof filter_name, filter_name, &config);
        if (id < 0) {
            damaged(where + "reading the filters of 'iq'");
        }
        if (H5Zfilter_avail(id) <= 0) {
            fail(where + "'iq' is stored with HDF5 filter " + std::to_string(id) +
                 (filter_name[0] != '\0' ? " ('" + printable(filter_name) + "')" : std::string()) +
                 ", which this HDF5 library cannot decode");
        }
    }
    return count;
}

// ---- reading -------------------------------------------------------------------------------------

hid_t CaptureReader::Impl::select_memory(int rank, hsize_t rows) {
    if (!memory_space || memory_rank != rank || memory_rows != rows) {
        const hsize_t dims[2] = {rows, 2};
        memory_space = h5::Dataspace(H5Screate_simple(rank, dims, nullptr));
        if (!memory_space) {
            throw std::runtime_error("cannot create an HDF5 memory dataspace: " + h5::last_error());
        }
        memory_rank = rank;
        memory_rows = rows;
    }
    return memory_space.get();
}

CaptureReader::CaptureReader(const fs::path& path) : impl_(std::make_unique<Impl>(path)) { impl_->open(); }

CaptureReader::~CaptureReader() = default;
CaptureReader::CaptureReader(CaptureReader&&) noexcept = default;
CaptureReader& CaptureReader::operator=(CaptureReader&&) noexcept = default;

const fs::path& CaptureReader::path() const { return impl_->path; }
const CaptureMetadata& CaptureReader::metadata() const { return impl_->metadata; }
const std::vector<SegmentDescription>& CaptureReader::segments() const { return impl_->descriptions; }

std::size_t CaptureReader::read_stored(std::size_t segment, std::uint64_t offset, std::span<cf32> out, StoredSamples& stored) {
    Impl& m = *impl_;
    if (segment >= m.segments.size()) {
        throw std::out_of_range("CaptureReader::read: segment " + std::to_string(segment) + " of " +
                                std::to_string(m.segments.size()));
    }
    const std::uint64_t length = m.descriptions[segment].length;
    if (offset > length) {
        throw std::out_of_range("CaptureReader::read: offset " + std::to_string(offset) + " beyond the end (" +
                                std::to_string(length) + ")");
    }
    const std::uint64_t n = std::min<std::uint64_t>(out.size(), length - offset);
    stored.type = StoredSamples::Type::converted;
    if (n == 0) {
        return 0;
    }
    h5::silence_errors();
    Impl::Segment& s = m.segments[segment];
    const SampleType type = m.descriptions[segment].type;
    const int rank = s.layout == Layout::pairs ? 2 : 1;
    const hsize_t start[2] = {offset, 0};
    const hsize_t count[2] = {n, 2};
    if (H5Sselect_hyperslab(s.file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0) {
        throw std::runtime_error("CaptureReader::read: cannot select samples: " + h5::last_error());
    }
    const hid_t memory = m.select_memory(rank, n);
    // std::complex<float> is laid out as float[2] ([complex.numbers]); write through that view.
    float* values = reinterpret_cast<float*>(out.data());
    const std::size_t value_count = 2 * static_cast<std::size_t>(n);

    herr_t status = 0;
    switch (type) {
        case SampleType::int8:
            stored.int8.resize(value_count);
            status = H5Dread(s.dataset.get(), H5T_NATIVE_SCHAR, memory, s.file_space.get(), H5P_DEFAULT, stored.int8.data());
            stored.type = StoredSamples::Type::int8;
            break;
        case SampleType::int16:
            stored.int16.resize(value_count);
            status = H5Dread(s.dataset.get(), H5T_NATIVE_SHORT, memory, s.file_space.get(), H5P_DEFAULT, stored.int16.data());
            stored.type = StoredSamples::Type::int16;
            break;
        case SampleType::float32:
            status = H5Dread(s.dataset.get(), s.layout == Layout::pairs ? H5T_NATIVE_FLOAT : m.complex_type.get(),
                             memory, s.file_space.get(), H5P_DEFAULT, values);
            if (status >= 0 && m.check_finite) {
                if (const std::size_t bad = detail::first_non_finite(values, value_count); bad < value_count) {
                    m.fail(s.label + ": sample " + std::to_string(offset + bad / 2) + " is NaN or infinite");
                }
            }
            break;
    }
    if (status < 0) {
        const std::string detail = h5::last_error();
        m.fail(s.label + ": samples " + std::to_string(offset) + " to " + std::to_string(offset + n) +
               " cannot be read; the file is truncated or damaged (" + detail + ")");
    }
    return static_cast<std::size_t>(n);
}

std::size_t CaptureReader::read(std::size_t segment, std::uint64_t offset, std::span<cf32> out) {
    const std::size_t n = read_stored(segment, offset, out, impl_->stored);
    convert(impl_->stored, out.first(n));
    return n;
}

void CaptureReader::set_check_finite(bool check) { impl_->check_finite = check; }
std::size_t CaptureReader::unfinished_segments_skipped() const { return impl_->unfinished_segments; }

}  // namespace coex::io
