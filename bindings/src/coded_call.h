// Runs native code from a JS-facing function, turning hipserve::Error into a JS error with its `code`.
#pragma once
#include <napi.h>

#include <exception>

#include "hipserve/status.h"

namespace hipserve::bind {

template <typename Fn>
void coded_call(Napi::Env env, Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    Napi::Error err = Napi::Error::New(env, e.what());
    err.Set("code", Napi::String::New(env, error_code_name(e.code())));
    throw err;
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    Napi::Error err = Napi::Error::New(env, e.what());
    err.Set("code", Napi::String::New(env, "HS_INTERNAL"));
    throw err;
  }
}

}  // namespace hipserve::bind
