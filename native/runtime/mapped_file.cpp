#include "mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "platform/check.h"

namespace hipserve {

MappedFile::MappedFile(const std::string& path) : MappedFile(path, 0, 0) {}

MappedFile::MappedFile(const std::string& path, size_t offset, size_t length) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  HS_CHECK(fd >= 0, io_error, path << ": cannot open (" << std::strerror(errno) << ")");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    HS_CHECK(false, io_error, path << ": not a regular file");
  }
  file_size_ = static_cast<size_t>(st.st_size);
  if (offset > file_size_ || length > file_size_ - offset) {
    ::close(fd);
    HS_CHECK(false, out_of_bounds, path << ": bytes [" << offset << ", " << offset + length << ") lie outside its "
                                        << file_size_ << " bytes");
  }
  size_ = length == 0 ? file_size_ - offset : length;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  lead_ = offset % page;
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_ + lead_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, static_cast<off_t>(offset - lead_));
    int err = errno;
    ::close(fd);
    HS_CHECK(p != MAP_FAILED, io_error, path << ": cannot map (" << std::strerror(err) << ")");
    map_ = p;
  } else {
    ::close(fd);
  }
}

MappedFile::~MappedFile() {
  if (map_ != nullptr) ::munmap(map_, size_ + lead_);
}

}  // namespace hipserve
