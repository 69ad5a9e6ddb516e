// A read-only file mapped into memory (private copy-on-write pages, so writes never reach the file).
#pragma once
#include <cstddef>
#include <string>

namespace hipserve {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // throws Error(io_error) naming the path
  // Bytes [offset, offset + length) of the file (length 0: to the end); throws when the range is not in the file.
  MappedFile(const std::string& path, size_t offset, size_t length);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  void* data() const { return static_cast<char*>(map_) + lead_; }
  size_t size() const { return size_; }
  // Size of the whole file.
  size_t file_size() const { return file_size_; }

 private:
  void* map_ = nullptr;  // page-aligned start of the mapping; the range starts lead_ bytes in
  size_t lead_ = 0;
  size_t size_ = 0;
  size_t file_size_ = 0;
};

}  // namespace hipserve
