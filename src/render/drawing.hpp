#pragma once
// Private to src/render: the cairo handles, colours and scales the pictures share (the analysis picture,
// picture.cpp, and the monitor's day picture, day_picture.cpp).
#include <cairo.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>

#include "coex/core/emitter_class.hpp"

namespace coex::render::detail {

// ---- cairo handles --------------------------------------------------------------------------------

struct SurfaceDeleter {
    void operator()(cairo_surface_t* s) const noexcept { cairo_surface_destroy(s); }
};
struct ContextDeleter {
    void operator()(cairo_t* c) const noexcept { cairo_destroy(c); }
};
struct PatternDeleter {
    void operator()(cairo_pattern_t* p) const noexcept { cairo_pattern_destroy(p); }
};
using Surface = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;
using Context = std::unique_ptr<cairo_t, ContextDeleter>;
using Pattern = std::unique_ptr<cairo_pattern_t, PatternDeleter>;

inline Surface make_surface(cairo_format_t format, int w, int h) {
    Surface s(cairo_image_surface_create(format, w, h));
    if (cairo_surface_status(s.get()) != CAIRO_STATUS_SUCCESS)
        throw std::runtime_error(std::string("cairo: cannot make a ") + std::to_string(w) + "×" + std::to_string(h) +
                                 " image: " + cairo_status_to_string(cairo_surface_status(s.get())));
    return s;
}

struct Rgb {
    double r, g, b;
};
constexpr Rgb hex(unsigned v) { return {((v >> 16) & 0xff) / 255.0, ((v >> 8) & 0xff) / 255.0, (v & 0xff) / 255.0}; }

constexpr Rgb kInk = hex(0x202020);
constexpr Rgb kMuted = hex(0x666666);
constexpr Rgb kFaint = hex(0xb8b8b8);
constexpr Rgb kRecommended = hex(0xe66100);
constexpr Rgb kBar = hex(0x21918c);
constexpr Rgb kBluetooth = hex(0x1f5fa8);
constexpr Rgb kBluetoothFill = hex(0xd6e6f7);

// Viridis, sampled at nine points and interpolated linearly: perceptually uniform, readable in grey and
// by people with the common colour-vision deficiencies.
constexpr std::array<Rgb, 9> kViridis{hex(0x440154), hex(0x482878), hex(0x3e4989), hex(0x31688e), hex(0x26828e),
                                      hex(0x1f9e89), hex(0x35b779), hex(0x6ece58), hex(0xfde725)};

inline Rgb viridis(double t) {
    t = std::clamp(t, 0.0, 1.0) * static_cast<double>(kViridis.size() - 1);
    const auto i = std::min<std::size_t>(static_cast<std::size_t>(t), kViridis.size() - 2);
    const double f = t - static_cast<double>(i);
    const Rgb& a = kViridis[i];
    const Rgb& b = kViridis[i + 1];
    return {a.r + (b.r - a.r) * f, a.g + (b.g - a.g) * f, a.b + (b.b - a.b) * f};
}

// Emitter colours (the class table's): light and saturated, apart from viridis and from each other.
inline Rgb class_colour(EmitterClass c) { return hex(info(c).colour_rgb); }

inline double luminance(const Rgb& c) { return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b; }

inline double nice_step(double span, int target_ticks) {
    const double raw = span / std::max(1, target_ticks);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double m : {1.0, 2.0, 5.0, 10.0})
        if (m * magnitude >= raw) return m * magnitude;
    return 10.0 * magnitude;
}

}  // namespace coex::render::detail
