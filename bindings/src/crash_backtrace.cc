// HIPSERVE_CRASH_BACKTRACE=1: on SIGSEGV, SIGBUS or SIGABRT (a failed assertion, a heap check such as glibc's
// "double free"), print the native stack to stderr before the process dies, for crashes on machines without a
// debugger (the GPU machine has none). Off by default: Node's own handlers stay untouched.
#include <execinfo.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace hipserve::bind {
namespace {

void print_backtrace(int sig) {
  const char header[] = "hipserve: fatal signal, native stack:\n";
  (void)!write(STDERR_FILENO, header, sizeof(header) - 1);
  void* frames[64];
  const int n = backtrace(frames, 64);
  backtrace_symbols_fd(frames, n, STDERR_FILENO);
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace

void install_crash_backtrace() {
  const char* on = std::getenv("HIPSERVE_CRASH_BACKTRACE");
  if (on == nullptr || std::strcmp(on, "1") != 0) return;
  for (int sig : {SIGSEGV, SIGBUS, SIGABRT}) signal(sig, print_backtrace);
}

}  // namespace hipserve::bind
