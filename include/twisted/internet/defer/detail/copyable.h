// Whether a value can really be copied: std::is_copy_constructible says yes
// for std::vector<std::unique_ptr<int>>, whose copy constructor only fails
// when instantiated.
#pragma once

#include <ranges>
#include <type_traits>

namespace twisted::internet::defer::detail {

/// std::is_copy_constructible_v<T>, and for a range with a value_type (the
/// standard containers), the same for its elements, recursively.
template <class T>
consteval bool copyable() {
  if constexpr (!std::is_copy_constructible_v<T>) {
    return false;
  } else if constexpr (std::ranges::range<T> && requires { typename T::value_type; }) {
    if constexpr (std::is_same_v<std::remove_cv_t<typename T::value_type>, T>)
      return true;  // a range of itself (e.g. std::filesystem::path)
    else
      return copyable<std::remove_cv_t<typename T::value_type>>();
  } else {
    return true;
  }
}

template <class T>
inline constexpr bool kCopyable = copyable<T>();

}  // namespace twisted::internet::defer::detail
