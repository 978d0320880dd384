// C library calls the Glibc module does not bring into Swift.
#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

// Returns memory freed to the allocator's arenas to the system (glibc's malloc_trim); a no-op elsewhere.
static inline void hearth_release_freed_memory(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}
