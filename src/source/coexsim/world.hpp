#pragma once
// What the coexsim radio's antenna receives: a scene of the simulator, a capture, or thermal noise
// only, seen through a receiver tuned to some centre at some rate. Time runs on from the start of the
// stream, through every retune; the scene or capture repeats when it ends.
#include "coex/core/types.hpp"

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <vector>

namespace coex::coexsim {

struct WorldOptions {
    std::string scene_path;     // a scene file of the simulator (docs: coex synth)
    std::string capture_path;   // or a capture (docs/capture-format.md)
    double noise_dbfs_per_mhz = -60.0;  // thermal noise where a capture holds nothing
    double cache_mb = 512.0;    // rendered chunks kept
    double chunk_s = 0.05;      // rendering unit
};

// A receiver's view: sample k is at world time k / rate (k counts from world time 0 at this rate).
class View {
public:
    virtual ~View() = default;
    // Fills out with samples k0 … k0 + out.size() − 1. Returns the seconds spent rendering chunks
    // that were not ready (the device holds its clock still meanwhile, as if it had been waiting).
    virtual double fill(std::uint64_t k0, std::span<cf32> out) = 0;
};

// Rendered chunks, shared by every view of a world, least recently used dropped first.
class ChunkCache {
public:
    explicit ChunkCache(double megabytes) : budget_(static_cast<std::size_t>(megabytes * 1e6)) {}
    using Key = std::tuple<long long, long long, std::uint64_t>;  // centre Hz, rate Hz, chunk
    std::shared_ptr<const std::vector<cf32>> find(const Key& key);
    void put(const Key& key, std::shared_ptr<const std::vector<cf32>> chunk);

private:
    std::size_t budget_, bytes_ = 0;
    std::list<Key> order_;  // most recent first
    std::map<Key, std::pair<std::shared_ptr<const std::vector<cf32>>, std::list<Key>::iterator>> map_;
};

class World {
public:
    // Throws InputError naming the file for a scene or capture that cannot be used.
    static std::unique_ptr<World> open(const WorldOptions& options);
    virtual ~World() = default;
    virtual std::unique_ptr<View> view(double center_hz, double rate_hz) = 0;
    [[nodiscard]] virtual std::string description() const = 0;
    // Sample type of the world's own recording ("int8", "int16", "float32"): the native format the
    // radio offers unless told otherwise.
    [[nodiscard]] virtual std::string sample_type() const { return "int16"; }
};

}  // namespace coex::coexsim
