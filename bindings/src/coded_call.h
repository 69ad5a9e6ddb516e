// Runs native code from a JS-facing function, turning hipserve::Error into a JS error with its `code`.
#pragma once
#include <napi.h>

#include <exception>

#include "hipserve/status.h"

namespace hipserve::bind {

inline Napi::Error coded_error(Napi::Env env, const char* code, const char* message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  return err;
}

template <typename Fn>
void coded_call(Napi::Env env, Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    throw coded_error(env, error_code_name(e.code()), e.what());
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw coded_error(env, "HS_INTERNAL", e.what());
  }
}

}  // namespace hipserve::bind
