// A read-only file mapped into memory (private copy-on-write pages, so writes never reach the file).
#pragma once
#include <cstddef>
#include <string>

namespace hipserve {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // throws Error(io_error) naming the path
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  void* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace hipserve
