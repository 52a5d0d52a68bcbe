#include "hdf5_util.hpp"

#include <cstdio>

namespace coex::io::h5 {

void silence_errors() noexcept {
    thread_local bool silenced = false;
    if (!silenced) {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        silenced = true;
    }
}

namespace {

// H5Ewalk2 callback: walking upward, entry 0 is where the error was first raised (the most specific).
herr_t take_innermost(unsigned n, const H5E_error2_t* entry, void* client_data) noexcept {
    if (n == 0 && entry != nullptr && entry->desc != nullptr) {
        try {
            *static_cast<std::string*>(client_data) = entry->desc;
        } catch (...) {
            return -1;
        }
    }
    return 0;
}

}  // namespace

std::string last_error() {
    std::string message;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, &take_innermost, &message);
    return printable(message);
}

}  // namespace coex::io::h5
