// MtSnn's size-class caching allocator for libtorch's CPU tensors (MTSNN_MALLOC=cache; see CpuAllocator.cs).
//
// libtorch 2.x asks c10::GetCPUAllocator() for every CPU tensor's memory; c10::SetCPUAllocator installs another
// allocator there. This library provides one: blocks of at least `threshold` bytes get their own mapping, rounded up to
// a size class (8 classes per power of two, so at most 1/8 more than asked), and a freed block goes back to its class's
// free list instead of being unmapped, as long as the cached bytes stay under `cap`. A training step asks for the same
// activation sizes every step, so after the first step they are served from the lists: no mmap, no page faults, and,
// unlike glibc's heap with its trim threshold lifted, no fragmentation (a block is only reused for its own class).
// Smaller blocks go to the C library (posix_memalign), which serves them from its heap.
//
// The C++ interface is libtorch's, mirrored rather than included (TorchSharp ships no headers): c10::Allocator's
// virtual functions in the order libc10 2.10's vtables hold them (destructor x2, allocate, is_simple_data_ptr,
// raw_deleter, copy_data) and c10::DataPtr's layout (UniqueVoidPtr {data, unique_ptr<void, deleter>}, Device {int8
// type, int8 index}). The .NET side checks the layout against libc10 before installing (CpuAllocator.cs), and
// installs by calling c10::SetCPUAllocator through its exported symbol, so this library does not link libtorch.
//
// Everything here is plain data with constant initialisation and no destructor: libtorch frees tensors from static
// destructors at exit, after which this state must still be valid.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

namespace {

using Deleter = void (*)(void*);

// c10::DataPtr: UniqueVoidPtr {void* data_; std::unique_ptr<void, DeleterFnPtr> ctx_;} then Device {DeviceType type_
// (int8); DeviceIndex index_ (int8)}. The unique_ptr member makes it non-trivial, so it is returned through a hidden
// pointer exactly as libtorch's own DataPtr is.
struct DataPtr {
  void* data;
  std::unique_ptr<void, Deleter> ctx;
  int8_t device_type;   // c10::DeviceType::CPU = 0
  int8_t device_index;  // -1: no index
};

constexpr std::size_t kHeader = 64;        // bytes before each block's data: its header; keeps the data 64-byte aligned
constexpr std::size_t kPage = 4096;
constexpr int kStepsPerDoubling = 8;       // size classes per power of two
constexpr int kMaxLog2 = 48;
constexpr uint32_t kMagic = 0x4d74536eu;   // "MtSn": a header this allocator wrote
constexpr uint32_t kSmall = 1, kLarge = 2;

struct Header {
  uint32_t magic;
  uint32_t kind;
  std::size_t class_bytes;  // the mapping's size (large) or the requested size (small)
  Header* next;             // free-list link while cached
};
static_assert(sizeof(Header) <= kHeader, "the header must fit before the data");

struct Stats {  // mirrored by CpuCacheStats in CpuCache.cs: 13 unsigned 64-bit fields
  uint64_t live_bytes, peak_live_bytes, cached_bytes, peak_cached_bytes, mapped_bytes, peak_mapped_bytes;
  uint64_t hits, misses, maps, unmaps, small_allocs, cap, threshold;
};

pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
Header* g_free[kMaxLog2 * kStepsPerDoubling] = {};
Stats g_stats = {};
bool g_initialised = false;
bool g_hugepages = false;                  // madvise(MADV_HUGEPAGE) on blocks of 2 MiB or more (MTSNN_HUGEPAGES=on)
constexpr std::size_t kHugePage = std::size_t{2} << 20;

// The class of a large request (header included): rounded up to 1/8 of its power of two. The threshold is at least
// kMinThreshold, so that step is at least a page and every class is a whole number of pages.
constexpr std::size_t kMinThreshold = 32768;
inline std::size_t class_index(std::size_t total, std::size_t* class_bytes) {
  int e = 63 - __builtin_clzll(total);                       // 2^e <= total < 2^(e+1)
  std::size_t step = (std::size_t{1} << e) / kStepsPerDoubling;
  std::size_t rounded = (total + step - 1) / step * step;    // at most 2^(e+1), where the next power's classes begin
  int e2 = 63 - __builtin_clzll(rounded);
  std::size_t step2 = (std::size_t{1} << e2) / kStepsPerDoubling;
  *class_bytes = rounded;
  return static_cast<std::size_t>(e2) * kStepsPerDoubling + (rounded - (std::size_t{1} << e2)) / step2;
}

inline void note_peak(uint64_t& peak, uint64_t value) { if (value > peak) peak = value; }

void release(void* data);

void* acquire(std::size_t n) {
  if (n == 0) return nullptr;
  if (n < g_stats.threshold) {
    void* base = nullptr;
    if (posix_memalign(&base, kHeader, n + kHeader) != 0) return nullptr;
    auto* h = static_cast<Header*>(base);
    *h = Header{kMagic, kSmall, n, nullptr};
    __atomic_fetch_add(&g_stats.small_allocs, 1, __ATOMIC_RELAXED);
    return static_cast<char*>(base) + kHeader;
  }
  std::size_t class_bytes = 0;
  std::size_t idx = class_index(n + kHeader, &class_bytes);
  if (idx >= sizeof(g_free) / sizeof(g_free[0])) return nullptr;
  pthread_mutex_lock(&g_lock);
  Header* h = g_free[idx];
  if (h != nullptr) {
    g_free[idx] = h->next;
    g_stats.cached_bytes -= class_bytes;
    g_stats.hits++;
  } else {
    g_stats.misses++;
  }
  g_stats.live_bytes += class_bytes;
  note_peak(g_stats.peak_live_bytes, g_stats.live_bytes);
  pthread_mutex_unlock(&g_lock);
  if (h == nullptr) {
    void* base = mmap(nullptr, class_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pthread_mutex_lock(&g_lock);
    if (base == MAP_FAILED) {
      g_stats.live_bytes -= class_bytes;
      pthread_mutex_unlock(&g_lock);
      return nullptr;
    }
    g_stats.maps++;
    g_stats.mapped_bytes += class_bytes;
    note_peak(g_stats.peak_mapped_bytes, g_stats.mapped_bytes);
    pthread_mutex_unlock(&g_lock);
    if (g_hugepages && class_bytes >= kHugePage) (void)madvise(base, class_bytes, MADV_HUGEPAGE);  // advice: the kernel may decline
    h = static_cast<Header*>(base);
    *h = Header{kMagic, kLarge, class_bytes, nullptr};
  }
  h->next = nullptr;
  return reinterpret_cast<char*>(h) + kHeader;
}

void release(void* data) {
  if (data == nullptr) return;
  auto* h = reinterpret_cast<Header*>(static_cast<char*>(data) - kHeader);
  if (h->magic != kMagic) abort();  // not ours: a corrupted pointer; continuing would corrupt the heap
  if (h->kind == kSmall) {
    h->magic = 0;
    std::free(h);
    return;
  }
  std::size_t class_bytes = h->class_bytes;
  std::size_t ignored = 0;
  std::size_t idx = class_index(class_bytes, &ignored);
  pthread_mutex_lock(&g_lock);
  g_stats.live_bytes -= class_bytes;
  bool keep = g_stats.cached_bytes + class_bytes <= g_stats.cap;
  if (keep) {
    h->next = g_free[idx];
    g_free[idx] = h;
    g_stats.cached_bytes += class_bytes;
    note_peak(g_stats.peak_cached_bytes, g_stats.cached_bytes);
  } else {
    g_stats.unmaps++;
    g_stats.mapped_bytes -= class_bytes;
  }
  pthread_mutex_unlock(&g_lock);
  if (!keep) munmap(h, class_bytes);
}

// c10::Allocator's virtual interface, in libc10 2.10's vtable order.
class CacheAllocator {
 public:
  virtual ~CacheAllocator() {}
  virtual DataPtr allocate(std::size_t n) {
    void* p = acquire(n);
    if (p == nullptr && n != 0) {
      // c10's own allocator throws c10::Error here; an exception cannot cross this mirrored interface safely, and a
      // null pointer for a non-empty tensor would be written through, so stop with the reason, as an abort would.
      static const char msg[] = "mtsnn: error: the CPU cache allocator (MTSNN_MALLOC=cache) is out of memory\n";
      (void)!write(2, msg, sizeof msg - 1);
      abort();
    }
    return DataPtr{p, std::unique_ptr<void, Deleter>(p, &release), 0, -1};
  }
  virtual bool is_simple_data_ptr(const DataPtr& d) const { return d.data == d.ctx.get(); }
  virtual Deleter raw_deleter() const { return &release; }
  virtual void copy_data(void* dest, const void* src, std::size_t count) const {
    if (count != 0) std::memcpy(dest, src, count);
  }
};

CacheAllocator g_allocator;  // trivial destructor in effect: the vtable pointer is all it holds

}  // namespace

extern "C" {

// Configures the cache (once; later calls only return the allocator) and returns the object to hand to
// c10::SetCPUAllocator. `cap`: the most bytes kept in the free lists; `threshold`: the smallest block it maps itself;
// `hugepages`: nonzero to ask for transparent huge pages on blocks of 2 MiB or more, as libc10's THP_MEM_ALLOC_ENABLE does.
__attribute__((visibility("default"))) void* mtsnn_cpu_cache_init(uint64_t cap, uint64_t threshold, int hugepages) {
  pthread_mutex_lock(&g_lock);
  if (!g_initialised) {
    g_hugepages = hugepages != 0;
    g_stats.cap = cap;
    g_stats.threshold = threshold < kMinThreshold ? kMinThreshold : threshold;
    g_initialised = true;
  }
  pthread_mutex_unlock(&g_lock);
  return &g_allocator;
}

// Copies the counters (see Stats) into `out`; returns the number of fields.
__attribute__((visibility("default"))) int mtsnn_cpu_cache_stats(uint64_t* out) {
  pthread_mutex_lock(&g_lock);
  std::memcpy(out, &g_stats, sizeof g_stats);
  pthread_mutex_unlock(&g_lock);
  return static_cast<int>(sizeof g_stats / sizeof(uint64_t));
}

// Unmaps every cached block (as malloc_trim does for glibc's heap); returns the bytes given back.
__attribute__((visibility("default"))) uint64_t mtsnn_cpu_cache_trim() {
  Header* lists[sizeof(g_free) / sizeof(g_free[0])];
  pthread_mutex_lock(&g_lock);
  std::memcpy(lists, g_free, sizeof g_free);
  std::memset(g_free, 0, sizeof g_free);
  pthread_mutex_unlock(&g_lock);
  uint64_t unmapped = 0, count = 0;
  for (Header* h : lists)
    while (h != nullptr) {
      Header* next = h->next;
      std::size_t bytes = h->class_bytes;
      munmap(h, bytes);
      unmapped += bytes;
      count++;
      h = next;
    }
  pthread_mutex_lock(&g_lock);
  g_stats.cached_bytes -= unmapped;
  g_stats.mapped_bytes -= unmapped;
  g_stats.unmaps += count;
  pthread_mutex_unlock(&g_lock);
  return unmapped;
}

// sizeof(DataPtr) as compiled here, for the .NET side's layout check.
__attribute__((visibility("default"))) int mtsnn_cpu_cache_dataptr_size() { return static_cast<int>(sizeof(DataPtr)); }

}  // extern "C"
