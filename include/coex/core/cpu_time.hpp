#pragma once
// CPU time of the calling thread, for the per-stage cost live runs report.

namespace coex {

[[nodiscard]] double thread_cpu_seconds();

}  // namespace coex
