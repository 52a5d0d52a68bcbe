#pragma once
// Private to src/io (and its tests): RAII handles for HDF5 identifiers and error-stack helpers.
// Nothing outside src/io and tests/io includes <hdf5.h>.
#include <hdf5.h>

#include <string>
#include <string_view>
#include <utility>

#include "text.hpp"

namespace coex::io::h5 {

// Owns one HDF5 identifier and closes it with `Close` (H5Fclose, H5Dclose, …).
template <herr_t (*Close)(hid_t)>
class Handle {
public:
    Handle() noexcept = default;
    explicit Handle(hid_t id) noexcept : id_(id) {}
    ~Handle() { reset(); }
    Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
    Handle& operator=(Handle&& other) noexcept {
        if (this != &other) {
            reset();
            id_ = std::exchange(other.id_, H5I_INVALID_HID);
        }
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

    [[nodiscard]] hid_t get() const noexcept { return id_; }
    [[nodiscard]] bool valid() const noexcept { return id_ >= 0; }
    explicit operator bool() const noexcept { return valid(); }

    // Closes now and returns HDF5's status (negative on failure; 0 when there was nothing to close).
    herr_t close() noexcept { return id_ >= 0 ? Close(std::exchange(id_, H5I_INVALID_HID)) : 0; }
    void reset() noexcept { static_cast<void>(close()); }

private:
    hid_t id_ = H5I_INVALID_HID;
};

using File = Handle<&H5Fclose>;
using Group = Handle<&H5Gclose>;
using Dataset = Handle<&H5Dclose>;
using Dataspace = Handle<&H5Sclose>;
using Datatype = Handle<&H5Tclose>;
using Attribute = Handle<&H5Aclose>;
using PropertyList = Handle<&H5Pclose>;
using Object = Handle<&H5Oclose>;  // anything opened with H5Oopen (group, dataset, named type)

// Turns off HDF5's automatic printing of its error stack to stderr (once per thread, since the
// stack is per thread in thread-safe builds). Every entry point of src/io calls it.
void silence_errors() noexcept;

// The most specific message on this thread's HDF5 error stack, as one line ("" when there is none).
// Call it right after the failing HDF5 call: the next HDF5 call clears the stack.
[[nodiscard]] std::string last_error();

}  // namespace coex::io::h5
