/* A stand-in for Windows' bcryptprimitives.dll, which Wine 8 (Debian bookworm's wine64) lacks and
 * Rust's std imports for its random numbers (ProcessPrng, since Rust 1.78). Used only to run the
 * Windows build under Wine in CI (.ci/cross); a real Windows has the real DLL.
 * ProcessPrng's contract: fill the buffer with random bytes, always succeed (returns TRUE). */
#include <windows.h>

/* RtlGenRandom: advapi32's CSPRNG export, which Wine implements over the host's /dev/urandom. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
