#pragma once
// Private to src/io (and its tests): the HDF5 file driver CaptureWriter writes through, which orders
// the writes of each flush so that a process killed at any moment, even inside a write, leaves a file
// coex can read with everything the previous flush committed (docs/reliability.md, "Recordings after
// a crash"). The files are ordinary HDF5 files: the driver leaves no trace in them.
#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <functional>

namespace coex::io::h5 {

// A file access property list for a file written through the ordered driver, with every object of
// 2 KiB or more (the chunk index's nodes, metadata blocks, chunks) starting on a 4 KiB page, so that
// a rewrite of one in place is never torn by a kill (the kernel cuts a killed write only at a page).
// Returns an invalid id (and leaves HDF5's error stack) when HDF5 refuses.
[[nodiscard]] hid_t ordered_file_access();

// Sees every write the driver hands the kernel, in order, as it is made: (file offset, bytes). For
// tests, which replay a recording's writes and cut them where a kill could; empty (the default) to
// see nothing. Process-wide; set it while no file is open for writing.
using WriteObserver = std::function<void(std::uint64_t offset, const unsigned char* bytes, std::size_t size)>;
void set_write_observer(WriteObserver observer);

}  // namespace coex::io::h5
