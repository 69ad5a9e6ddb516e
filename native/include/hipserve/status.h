// Typed errors of the kernel library. Every entry validates its TensorViews and throws hipserve::Error
// with a stable code; the Node binding turns it into a JS Error whose `code` property is that string.
#pragma once
#include <stdexcept>
#include <string>

namespace hipserve {

enum class ErrorCode {
  invalid_argument,  // a value is out of its allowed range
  shape_mismatch,    // shapes of the views disagree with each other or the op
  dtype_mismatch,    // a dtype the op does not accept
  out_of_bounds,     // an index (slot, block, token id) points outside its tensor
  empty_batch,       // an op was given zero tokens or zero sequences
  unsupported,       // a valid request this build or device cannot serve
  device_error,      // a failure reported by the device runtime
  io_error,          // a file could not be read or mapped
};

const char* error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace hipserve
