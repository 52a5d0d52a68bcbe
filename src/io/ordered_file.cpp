// The ordered file driver: a POSIX file driver for HDF5 that holds back metadata writes until the
// flush, then writes them in an order a kill cannot turn into a file that reads wrong.
//
// Why: HDF5 writes a flush's dirty metadata in address order, superblock last. When the chunk index
// grows a node (its root splits at 64 chunks, a leaf later), the node that points at the new one is
// older, so lower, and reaches the file first: a kill before the new node and the superblock follow
// leaves the index pointing past the end of the file, and the whole segment unreadable. And a SIGKILL
// can cut a write short at any 4 KiB page of the file, so a structure rewritten in place that crosses
// a page can be left half new, half old (docs/reliability.md has the measurements).
//
// So, at each flush: first everything written to space the file on disk does not yet cover (nothing
// on disk points there), then the superblock (whose end of file now covers it), and only then the
// rewrites in place, heaps of names first, then the rest in address order (a B-tree's parent, older
// than its children, before them). Each rewrite in place lies within one page, so a kill leaves it
// whole, old or new (ordered_file_access() aligns every object of 2 KiB or more to 4 KiB, and gathers
// smaller metadata in 4 KiB blocks); the one exception, /segments' 16 KiB heap of names, only gains
// text in space nothing on disk points at yet. At every moment of that sequence the structures on disk
// lead only to bytes already written. Samples (raw data) are
// written at once, as before: the writer flushes after each chunk, so a chunk is always on disk before
// the index that points at it.
#include "ordered_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace coex::io::h5 {

namespace {

constexpr hsize_t page = 4096;
constexpr hsize_t aligned_from = 2048;  // objects this size or larger start on a page
constexpr hsize_t metadata_block = 4096;

std::mutex observer_mutex;
WriteObserver observer;  // guarded by observer_mutex

struct Pending {
    haddr_t address;
    H5FD_mem_t type;
    haddr_t end_of_file;  // the file's end (EOA) when it was written: what a superblock write encodes
    std::vector<unsigned char> bytes;
};

struct State {
    int fd = -1;
    dev_t device = 0;
    ino_t inode = 0;
    haddr_t end_of_allocation = 0;  // HDF5's end of file (EOA)
    haddr_t size_on_disk = 0;       // bytes the file holds
    haddr_t end_on_disk = 0;        // the end of file the superblock on disk gives
    std::vector<Pending> pending;   // metadata writes held back until the flush, oldest first
};

// The driver's file: HDF5's public part first, as the library requires.
struct OrderedFile {
    H5FD_t pub;
    State* state;
};

State& state_of(const H5FD_t* file) { return *reinterpret_cast<const OrderedFile*>(file)->state; }

herr_t error(hid_t minor, const std::string& what) {
    H5Epush2(H5E_DEFAULT, __FILE__, "ordered file driver", __LINE__, H5E_ERR_CLS, H5E_VFL, minor, "%s",
             what.c_str());
    return -1;
}

std::string errno_text(const char* call) { return std::string(call) + ": " + std::strerror(errno); }

herr_t write_now(State& s, haddr_t address, const unsigned char* bytes, std::size_t size) {
    {
        const std::lock_guard lock(observer_mutex);
        if (observer) {
            observer(address, bytes, size);
        }
    }
    haddr_t at = address;
    while (size > 0) {
        const ssize_t n = ::pwrite(s.fd, bytes, size, static_cast<off_t>(at));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return error(H5E_WRITEERROR, errno_text("pwrite"));
        }
        at += static_cast<haddr_t>(n);
        bytes += n;
        size -= static_cast<std::size_t>(n);
    }
    s.size_on_disk = std::max(s.size_on_disk, at);
    return 0;
}

// Holds back one metadata write. A write over bytes already held back replaces them (HDF5 rewrites a
// structure many times between flushes, and may reuse freed space): overlapping writes are merged into
// one, the newer bytes winning, so the flush writes each byte's last value once.
void hold(State& s, haddr_t address, H5FD_mem_t type, const unsigned char* bytes, std::size_t size) {
    Pending fresh{address, type, s.end_of_allocation, std::vector<unsigned char>(bytes, bytes + size)};
    for (auto it = s.pending.begin(); it != s.pending.end();) {
        const haddr_t start = it->address;
        const haddr_t end = start + it->bytes.size();
        const haddr_t fresh_end = fresh.address + fresh.bytes.size();
        if (end <= fresh.address || start >= fresh_end) {
            ++it;
            continue;
        }
        const haddr_t merged_start = std::min(start, fresh.address);
        std::vector<unsigned char> merged(std::max(end, fresh_end) - merged_start);
        std::copy(it->bytes.begin(), it->bytes.end(), merged.begin() + static_cast<std::ptrdiff_t>(start - merged_start));
        std::copy(fresh.bytes.begin(), fresh.bytes.end(),
                  merged.begin() + static_cast<std::ptrdiff_t>(fresh.address - merged_start));
        fresh.address = merged_start;
        fresh.bytes = std::move(merged);
        if (it->type == H5FD_MEM_SUPER) {
            fresh.type = H5FD_MEM_SUPER;
        }
        it = s.pending.erase(it);
    }
    s.pending.push_back(std::move(fresh));
}

// Writes what is held back: new space first, then the superblock, then rewrites in place: heaps first
// (names and strings are only added to them, in space nothing on disk points at yet), then the rest.
herr_t drain(State& s) {
    auto rank = [&s](const Pending& p) {
        if (p.type == H5FD_MEM_SUPER) {
            return 1;
        }
        if (p.address >= s.end_on_disk) {
            return 0;
        }
        return p.type == H5FD_MEM_LHEAP || p.type == H5FD_MEM_GHEAP ? 2 : 3;
    };
    std::stable_sort(s.pending.begin(), s.pending.end(), [&rank](const Pending& a, const Pending& b) {
        return std::pair(rank(a), a.address) < std::pair(rank(b), b.address);
    });
    std::vector<Pending> pending = std::move(s.pending);
    s.pending.clear();
    for (std::size_t k = 0; k < pending.size(); ++k) {
        const Pending& p = pending[k];
        if (write_now(s, p.address, p.bytes.data(), p.bytes.size()) < 0) {
            // Keep what was not written, so a later flush or close can try again.
            s.pending.assign(std::make_move_iterator(pending.begin() + static_cast<std::ptrdiff_t>(k)),
                             std::make_move_iterator(pending.end()));
            return -1;
        }
        if (p.type == H5FD_MEM_SUPER) {
            s.end_on_disk = p.end_of_file;
        }
    }
    return 0;
}

H5FD_t* open_file(const char* name, unsigned flags, hid_t /*fapl*/, haddr_t maxaddr) {
    try {
        if (maxaddr == 0 || maxaddr == HADDR_UNDEF) {
            error(H5E_BADVALUE, std::string(name) + ": bad maximum address");
            return nullptr;
        }
        int open_flags = (flags & H5F_ACC_RDWR) ? O_RDWR : O_RDONLY;
        open_flags |= (flags & H5F_ACC_TRUNC) ? O_TRUNC : 0;
        open_flags |= (flags & H5F_ACC_CREAT) ? O_CREAT : 0;
        open_flags |= (flags & H5F_ACC_EXCL) ? O_EXCL : 0;
        const int fd = ::open(name, open_flags | O_CLOEXEC, 0666);
        if (fd < 0) {
            error(H5E_CANTOPENFILE, std::string(name) + ": " + errno_text("open"));
            return nullptr;
        }
        struct stat info {};
        if (::fstat(fd, &info) < 0) {
            error(H5E_CANTOPENFILE, std::string(name) + ": " + errno_text("fstat"));
            ::close(fd);
            return nullptr;
        }
        auto* file = new OrderedFile{};
        file->state = new State{};
        file->state->fd = fd;
        file->state->device = info.st_dev;
        file->state->inode = info.st_ino;
        file->state->size_on_disk = static_cast<haddr_t>(info.st_size);
        // The bytes already in the file (none, for a file created) count as covered by its superblock.
        file->state->end_on_disk = static_cast<haddr_t>(info.st_size);
        return &file->pub;
    } catch (const std::exception& e) {
        error(H5E_CANTOPENFILE, std::string(name) + ": " + e.what());
        return nullptr;
    }
}

herr_t close_file(H5FD_t* file) {
    auto* ordered = reinterpret_cast<OrderedFile*>(file);
    State& s = *ordered->state;
    herr_t status = s.pending.empty() ? 0 : drain(s);
    if (::close(s.fd) < 0 && status == 0) {
        status = error(H5E_CANTCLOSEFILE, errno_text("close"));
    }
    delete ordered->state;
    delete ordered;
    return status;
}

int compare(const H5FD_t* a, const H5FD_t* b) {
    const State& x = state_of(a);
    const State& y = state_of(b);
    if (x.device != y.device) {
        return x.device < y.device ? -1 : 1;
    }
    if (x.inode != y.inode) {
        return x.inode < y.inode ? -1 : 1;
    }
    return 0;
}

herr_t query(const H5FD_t* /*file*/, unsigned long* flags) {
    // No metadata accumulation: it would merge a rewrite in place with a write to new space into one
    // write, which this driver must be able to order apart. "SWMR I/O" only to be allowed H5Fget_eoa,
    // which coex's reader asks (a POSIX file can do what SWMR needs; coex does not use SWMR).
    *flags = H5FD_FEAT_AGGREGATE_METADATA | H5FD_FEAT_AGGREGATE_SMALLDATA | H5FD_FEAT_DATA_SIEVE |
             H5FD_FEAT_SUPPORTS_SWMR_IO;
    return 0;
}

haddr_t get_eoa(const H5FD_t* file, H5FD_mem_t /*type*/) { return state_of(file).end_of_allocation; }

herr_t set_eoa(H5FD_t* file, H5FD_mem_t /*type*/, haddr_t address) {
    state_of(file).end_of_allocation = address;
    return 0;
}

haddr_t get_eof(const H5FD_t* file, H5FD_mem_t /*type*/) {
    const State& s = state_of(file);
    haddr_t end = s.size_on_disk;
    for (const Pending& p : s.pending) {
        end = std::max(end, p.address + p.bytes.size());
    }
    return end;
}

herr_t get_handle(H5FD_t* file, hid_t /*fapl*/, void** handle) {
    *handle = &state_of(file).fd;
    return 0;
}

herr_t read(H5FD_t* file, H5FD_mem_t /*type*/, hid_t /*dxpl*/, haddr_t address, size_t size, void* buffer) {
    State& s = state_of(file);
    if (address + size > s.end_of_allocation) {
        return error(H5E_OVERFLOW, "read past the end of the file: addr overflow, addr = " + std::to_string(address));
    }
    auto* to = static_cast<unsigned char*>(buffer);
    for (std::size_t done = 0; done < size;) {
        const ssize_t n = ::pread(s.fd, to + done, size - done, static_cast<off_t>(address + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return error(H5E_READERROR, errno_text("pread"));
        }
        if (n == 0) {  // past the end of what is on disk: zeros, as HDF5's own drivers give
            std::memset(to + done, 0, size - done);
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    for (const Pending& p : s.pending) {  // oldest first, so the newest bytes win
        const haddr_t start = std::max(address, p.address);
        const haddr_t end = std::min(address + size, p.address + p.bytes.size());
        if (start < end) {
            std::memcpy(to + (start - address), p.bytes.data() + (start - p.address), end - start);
        }
    }
    return 0;
}

herr_t write(H5FD_t* file, H5FD_mem_t type, hid_t /*dxpl*/, haddr_t address, size_t size, const void* buffer) {
    State& s = state_of(file);
    if (address + size > s.end_of_allocation) {
        return error(H5E_OVERFLOW, "write past the end of the file: addr overflow, addr = " + std::to_string(address));
    }
    const auto* bytes = static_cast<const unsigned char*>(buffer);
    if (type == H5FD_MEM_DRAW) {
        return write_now(s, address, bytes, size);
    }
    try {
        hold(s, address, type, bytes, size);
    } catch (const std::exception& e) {
        return error(H5E_WRITEERROR, e.what());
    }
    return 0;
}

herr_t flush(H5FD_t* file, hid_t /*dxpl*/, hbool_t /*closing*/) { return drain(state_of(file)); }

herr_t truncate(H5FD_t* file, hid_t /*dxpl*/, hbool_t /*closing*/) {
    State& s = state_of(file);
    if (drain(s) < 0) {
        return -1;
    }
    if (s.size_on_disk != s.end_of_allocation) {
        if (::ftruncate(s.fd, static_cast<off_t>(s.end_of_allocation)) < 0) {
            return error(H5E_SEEKERROR, errno_text("ftruncate"));
        }
        s.size_on_disk = s.end_of_allocation;
    }
    return 0;
}

herr_t lock(H5FD_t* file, hbool_t read_write) {
    if (::flock(state_of(file).fd, (read_write ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0 && errno != ENOSYS) {
        return error(H5E_CANTLOCKFILE, "unable to lock file, " + errno_text("flock"));
    }
    return 0;
}

herr_t unlock(H5FD_t* file) {
    if (::flock(state_of(file).fd, LOCK_UN) < 0 && errno != ENOSYS) {
        return error(H5E_CANTUNLOCKFILE, "unable to unlock file, " + errno_text("flock"));
    }
    return 0;
}

hid_t driver_id() {
    static const hid_t id = [] {
        static H5FD_class_t driver{};
        driver.name = "coex_ordered";
        driver.maxaddr = (static_cast<haddr_t>(1) << (8 * sizeof(off_t) - 1)) - 1;
        driver.fc_degree = H5F_CLOSE_WEAK;
        driver.open = open_file;
        driver.close = close_file;
        driver.cmp = compare;
        driver.query = query;
        driver.get_eoa = get_eoa;
        driver.set_eoa = set_eoa;
        driver.get_eof = get_eof;
        driver.get_handle = get_handle;
        driver.read = read;
        driver.write = write;
        driver.flush = flush;
        driver.truncate = truncate;
        driver.lock = lock;
        driver.unlock = unlock;
        const H5FD_mem_t map[H5FD_MEM_NTYPES] = H5FD_FLMAP_DICHOTOMY;
        std::copy(std::begin(map), std::end(map), std::begin(driver.fl_map));
        return H5FDregister(&driver);
    }();
    return id;
}

}  // namespace

hid_t ordered_file_access() {
    const hid_t driver = driver_id();
    if (driver < 0) {
        return H5I_INVALID_HID;
    }
    const hid_t access = H5Pcreate(H5P_FILE_ACCESS);
    if (access < 0 || H5Pset_driver(access, driver, nullptr) < 0 ||
        H5Pset_alignment(access, aligned_from, page) < 0 || H5Pset_meta_block_size(access, metadata_block) < 0) {
        if (access >= 0) {
            H5Pclose(access);
        }
        return H5I_INVALID_HID;
    }
    return access;
}

void set_write_observer(WriteObserver next) {
    const std::lock_guard lock(observer_mutex);
    observer = std::move(next);
}

}  // namespace coex::io::h5
