// HS_CHECK(cond, code, message-stream): validate input and throw hipserve::Error with a coded message.
#pragma once
#include <sstream>

#include "hipserve/status.h"

#define HS_CHECK(cond, code, msg)                                     \
  do {                                                                \
    if (!(cond)) {                                                    \
      std::ostringstream hs_check_os_;                                \
      hs_check_os_ << msg;                                            \
      throw ::hipserve::Error(::hipserve::ErrorCode::code, hs_check_os_.str()); \
    }                                                                 \
  } while (0)
