// The console's decoder of the live feed (phil::console::SseParser): any bytes, in any pieces,
// decode without a crash, stay within the parser's bounds, and give the same events whether fed
// whole or in two pieces.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <phil/console/sse.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  phil::console::SseParser whole(256, 1024);
  const auto a = whole.feed(bytes);
  phil::console::SseParser split(256, 1024);
  const std::size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  auto b = split.feed(bytes.substr(0, cut));
  for (auto& e : split.feed(bytes.substr(cut)))
    b.push_back(e);
  if (a.size() != b.size() || whole.failed() != split.failed()) std::abort();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].type != b[i].type || a[i].data != b[i].data || a[i].id != b[i].id) std::abort();
    if (a[i].data.size() > 1024 + 256) std::abort();
  }
  return 0;
}
