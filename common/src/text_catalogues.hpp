#pragma once
// The two catalogues behind phil::text::pattern (private to phil_common).
#include <string_view>

#include <phil/common/text.hpp>

namespace phil::text {

std::string_view pattern_en(Id id);
std::string_view pattern_zh_cn(Id id);

}  // namespace phil::text
