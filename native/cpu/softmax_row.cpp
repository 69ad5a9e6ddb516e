#include "softmax_row.h"

#include <limits>

#include "cpu_isa.h"
#include "softmax_exp.h"

namespace hipserve::cpu {
namespace {
constexpr int kLanes = 16;
}  // namespace

HS_MULTIVERSION
float row_max(const float* x, int64_t n) {
  float acc[kLanes];
  for (float& a : acc) a = -std::numeric_limits<float>::infinity();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) acc[j] = x[i + j] > acc[j] ? x[i + j] : acc[j];
  float m = -std::numeric_limits<float>::infinity();
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  for (float a : acc) m = a > m ? a : m;
  return m;
}

HS_MULTIVERSION
double row_exp_sum(const float* x, int64_t n, float shift) {
  double acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) acc[j] += fast_exp(x[i + j] - shift);
  double sum = 0;
  for (; i < n; ++i) sum += fast_exp(x[i] - shift);
  for (double a : acc) sum += a;
  return sum;
}

HS_MULTIVERSION
double row_exp_store(const float* x, int64_t n, float shift, float* e) {
  double acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    float v[kLanes];
    for (int j = 0; j < kLanes; ++j) v[j] = fast_exp(x[i + j] - shift);
    for (int j = 0; j < kLanes; ++j) {
      e[i + j] = v[j];
      acc[j] += v[j];
    }
  }
  double sum = 0;
  for (; i < n; ++i) {
    e[i] = fast_exp(x[i] - shift);
    sum += e[i];
  }
  for (double a : acc) sum += a;
  return sum;
}

HS_MULTIVERSION
double row_exp_sum_at_least(const float* x, int64_t n, float shift, float floor) {
  double acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) acc[j] += x[i + j] >= floor ? fast_exp(x[i + j] - shift) : 0.0f;
  double sum = 0;
  for (; i < n; ++i) sum += x[i] >= floor ? fast_exp(x[i] - shift) : 0.0f;
  for (double a : acc) sum += a;
  return sum;
}

HS_MULTIVERSION
double row_exp_store_at_least(const float* x, int64_t n, float shift, float floor, float* e) {
  double acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    float v[kLanes];
    for (int j = 0; j < kLanes; ++j) v[j] = x[i + j] >= floor ? fast_exp(x[i + j] - shift) : 0.0f;
    for (int j = 0; j < kLanes; ++j) {
      e[i + j] = v[j];
      acc[j] += v[j];
    }
  }
  double sum = 0;
  for (; i < n; ++i) {
    e[i] = x[i] >= floor ? fast_exp(x[i] - shift) : 0.0f;
    sum += e[i];
  }
  for (double a : acc) sum += a;
  return sum;
}

HS_MULTIVERSION
void row_scale(float* x, int64_t n, float factor) {
  for (int64_t i = 0; i < n; ++i) x[i] *= factor;
}

HS_MULTIVERSION
void row_add(const float* x, int64_t n, float addend, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] + addend;
}

}  // namespace hipserve::cpu
