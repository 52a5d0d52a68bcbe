#include "png_writer.hpp"

#include <stdexcept>

namespace coex::render::detail {

namespace {
cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
    try {
        static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
        return CAIRO_STATUS_SUCCESS;
    } catch (...) {
        return CAIRO_STATUS_NO_MEMORY;
    }
}
}  // namespace

std::string encode_png(cairo_surface_t* surface) {
    std::string png;
    const cairo_status_t status = cairo_surface_write_to_png_stream(surface, &append, &png);
    if (status != CAIRO_STATUS_SUCCESS)
        throw std::runtime_error(std::string("cairo: cannot encode the PNG: ") + cairo_status_to_string(status));
    return png;
}

}  // namespace coex::render::detail
