#pragma once
// Private to src/render: a cairo image surface encoded as PNG bytes in memory.
#include <cairo.h>

#include <string>

namespace coex::render::detail {

// Throws std::runtime_error when cairo cannot encode the surface.
[[nodiscard]] std::string encode_png(cairo_surface_t* surface);

}  // namespace coex::render::detail
