#pragma once
// The visitor helper of std::visit over the cycle's variants (private to cycle/).

namespace refreshd::daemon::detail {

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

}  // namespace refreshd::daemon::detail
