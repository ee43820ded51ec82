/* Real-silicon harness: runs a NASM-assembled snippet natively for each input state on stdin and
 * writes the resulting state to stdout. A fault (SIGFPE, SIGSEGV, ...) is reported as fault=signo. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct state {
  uint64_t r[16];   /* rax rcx rdx rbx rsp(ignored) rbp rsi rdi r8..r15 */
  uint64_t flags;
  uint64_t relmask; /* registers holding offsets into mem (made absolute for the run) */
  uint64_t fault;   /* out: signal number, 0 if none */
  uint64_t pad;
  uint8_t mem[256];
};

static sigjmp_buf env;
static void on_signal(int sig) { siglongjmp(env, sig); }

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: harness snippet.bin\n"); return 2; }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror("open"); return 2; }
  uint8_t *code = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  size_t n = fread(code, 1, 1 << 16, f);
  fclose(f);
  if (n == 0) return 2;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_NODEFER;
  sigaction(SIGFPE, &sa, NULL);
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGILL, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);
  void (*fn)(struct state *) = (void (*)(struct state *))code;
  static struct state st __attribute__((aligned(64)));
  while (fread(&st, sizeof st, 1, stdin) == 1) {
    uint64_t base = (uint64_t)(uintptr_t)st.mem;
    for (int i = 0; i < 16; i++) if (st.relmask >> i & 1) st.r[i] += base;
    st.fault = 0;
    int sig = sigsetjmp(env, 1);
    if (sig == 0) fn(&st);
    else st.fault = (uint64_t)sig;
    for (int i = 0; i < 16; i++) if (st.relmask >> i & 1) st.r[i] -= base;
    if (fwrite(&st, sizeof st, 1, stdout) != 1) return 1;
  }
  return 0;
}
