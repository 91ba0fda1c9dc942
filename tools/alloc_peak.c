/* A malloc shim that counts the bytes the C heap holds and their peak, for tools/crosscheck_memory.py's
 * --shim mode: the same figure as torch.profiler's [memory] events (PyTorch's CPU tensors come from
 * posix_memalign), without the profiler's own records, which for U-Net at batch 8 outgrow the machine.
 *
 *   gcc -O2 -shared -fPIC -o /tmp/alloc_peak.so tools/alloc_peak.c
 *   LD_PRELOAD=/tmp/alloc_peak.so python3 ...   then, through ctypes: alloc_peak_reset(), alloc_peak_live(),
 *   alloc_peak_peak()
 *
 * Every block is counted by malloc_usable_size (what the allocator really gave, a few bytes over the request),
 * with atomic counters, as oneDNN allocates from several threads. The real functions are glibc's __libc_*
 * entry points, so that no dlsym (which itself allocates) is needed.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdatomic.h>
#include <stddef.h>
#include <errno.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

static _Atomic long long live_bytes;
static _Atomic long long peak_bytes;

static void *counted(void *block) {
    if (block) {
        long long now = atomic_fetch_add(&live_bytes, (long long)malloc_usable_size(block)) +
                        (long long)malloc_usable_size(block);
        long long peak = atomic_load(&peak_bytes);
        while (now > peak && !atomic_compare_exchange_weak(&peak_bytes, &peak, now)) {}
    }
    return block;
}

static void uncount(void *block) {
    if (block) atomic_fetch_sub(&live_bytes, (long long)malloc_usable_size(block));
}

void *malloc(size_t size) { return counted(__libc_malloc(size)); }
void *calloc(size_t count, size_t size) { return counted(__libc_calloc(count, size)); }
void free(void *block) { uncount(block); __libc_free(block); }
void *realloc(void *block, size_t size) {
    uncount(block);
    void *moved = __libc_realloc(block, size);
    if (!moved && size) { counted(block); return NULL; }
    return counted(moved);
}
void *memalign(size_t alignment, size_t size) { return counted(__libc_memalign(alignment, size)); }
void *aligned_alloc(size_t alignment, size_t size) { return counted(__libc_memalign(alignment, size)); }
void *valloc(size_t size) { return counted(__libc_memalign(4096, size)); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    void *block = counted(__libc_memalign(alignment, size));
    if (!block && size) return ENOMEM;
    *out = block;
    return 0;
}

/* Starts a new peak at what is held now. */
void alloc_peak_reset(void) { atomic_store(&peak_bytes, atomic_load(&live_bytes)); }
long long alloc_peak_live(void) { return atomic_load(&live_bytes); }
long long alloc_peak_peak(void) { return atomic_load(&peak_bytes); }
