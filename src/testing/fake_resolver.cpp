// FakeResolver. Test: tests/internet/test_resolver.cpp
#include <twisted/testing/fake_resolver.h>

#include <twisted/internet/error.h>

namespace twisted::testing {

using internet::defer::Deferred;

internet::defer::Deferred<std::string> FakeResolver::getHostByName(const std::string& name,
                                                                   double timeout) {
  queries.push_back({name, timeout});
  Deferred<std::string> d;
  if (holdAnswers)
    held_.emplace_back(name, d);
  else
    answer(name, d);
  return d;
}

void FakeResolver::answer(const std::string& name, Deferred<std::string>& d) const {
  if (auto it = names.find(name); it != names.end()) {
    d.callback(it->second);
  } else if (auto f = failures.find(name); f != failures.end()) {
    d.errback(f->second);
  } else {
    d.errback(
        python::Failure(internet::error::DNSLookupError("FakeResolver couldn't find " + name)));
  }
}

std::size_t FakeResolver::flush() {
  auto held = std::move(held_);
  held_.clear();
  std::size_t fired = 0;
  for (auto& [name, d] : held) {
    if (d.called()) continue;  // cancelled by its consumer
    answer(name, d);
    ++fired;
  }
  return fired;
}

std::size_t FakeResolver::pendingCount() const {
  std::size_t n = 0;
  for (const auto& entry : held_)
    if (!entry.second.called()) ++n;
  return n;
}

}  // namespace twisted::testing
