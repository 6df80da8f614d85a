#include <algorithm>
#include <limits>
#include <stdexcept>

#include <phil/meterlink/read_plan.hpp>

namespace phil::meterlink {

Field field_of(const Register& reg, int circuit) {
  Field f;
  f.name = reg.name;
  f.circuit = circuit;
  f.address = static_cast<std::uint16_t>(reg.address_for(circuit == 0 ? 1 : circuit));
  f.words = reg.words;
  f.type = reg.type;
  f.word_order = reg.word_order;
  f.scale_exp = reg.scale_exp;
  return f;
}

namespace {

void check_max_read(int max_read) {
  if (max_read < 1 || max_read > 125) {
    throw std::invalid_argument("max_read " + std::to_string(max_read) + " is outside 1..125");
  }
}

void check_words(const Field& f, int max_read) {
  if (f.words > max_read) {
    throw std::invalid_argument("register " + f.name + " has " + std::to_string(f.words) +
                                " words, more than max_read " + std::to_string(max_read));
  }
}

std::uint32_t end_of(const Field& f) {
  return std::uint32_t{f.address} + static_cast<std::uint32_t>(f.words);
}

}  // namespace

ReadPlan plan_reads(std::vector<Field> fields, int max_read) {
  check_max_read(max_read);
  std::stable_sort(fields.begin(), fields.end(),
                   [](const Field& a, const Field& b) { return a.address < b.address; });
  ReadPlan plan;
  for (const auto& f : fields) {
    check_words(f, max_read);
    const std::uint32_t end = end_of(f);
    if (!plan.blocks.empty()) {
      auto& b = plan.blocks.back();
      const std::uint32_t start = b.start;
      if (end <= start + b.count) continue;  // already covered (overlapping request)
      if (end - start <= static_cast<std::uint32_t>(max_read)) {
        b.count = static_cast<std::uint16_t>(end - start);
        continue;
      }
    }
    plan.blocks.push_back(Block{f.address, static_cast<std::uint16_t>(f.words)});
  }
  plan.fields = std::move(fields);
  return plan;
}

ReadCost rtu_read_cost(int baud, int bits_per_char, std::chrono::microseconds think) {
  if (baud <= 0 || bits_per_char <= 0) {
    throw std::invalid_argument("rtu_read_cost: baud " + std::to_string(baud) +
                                " and bits per character " + std::to_string(bits_per_char) +
                                " must be positive");
  }
  using std::chrono::microseconds;
  const auto bits = [&](std::int64_t chars) {
    return microseconds(chars * bits_per_char * 1'000'000 / baud);
  };
  // Modbus over serial line 2.5.1.1: 3.5 characters, fixed at 1.75 ms above 19200 baud.
  const microseconds t35 = baud > 19'200
                               ? microseconds(1750)
                               : microseconds(std::int64_t{35} * bits_per_char * 100'000 / baud);
  constexpr std::int64_t kFrameChars = 8 + 5;  // FC03 request, reply header and CRC
  return {bits(kFrameChars) + 2 * t35 + think, bits(2)};
}

ReadPlan plan_cheapest(std::vector<Field> fields, int max_read, const ReadCost& cost) {
  check_max_read(max_read);
  std::stable_sort(fields.begin(), fields.end(),
                   [](const Field& a, const Field& b) { return a.address < b.address; });
  for (const auto& f : fields)
    check_words(f, max_read);
  // best[j]: the least cost (then fewest blocks) covering fields[0, j); from[j]: where the last
  // block of that cover starts.
  const std::size_t n = fields.size();
  struct Best {
    std::int64_t cost = std::numeric_limits<std::int64_t>::max();
    std::size_t blocks = 0;
    std::size_t from = 0;
    std::uint32_t end = 0;
  };
  std::vector<Best> best(n + 1);
  best[0].cost = 0;
  for (std::size_t j = 1; j <= n; ++j) {
    std::uint32_t end = 0;
    for (std::size_t i = j; i-- > 0;) {  // the last block covers fields[i, j)
      end = std::max(end, end_of(fields[i]));
      const std::uint32_t count = end - fields[i].address;
      if (count > static_cast<std::uint32_t>(max_read)) break;
      if (best[i].cost == std::numeric_limits<std::int64_t>::max()) continue;
      const std::int64_t c =
          best[i].cost + cost.per_read.count() + cost.per_register.count() * count;
      const std::size_t blocks = best[i].blocks + 1;
      if (c < best[j].cost || (c == best[j].cost && blocks < best[j].blocks)) {
        best[j] = {c, blocks, i, end};
      }
    }
  }
  ReadPlan plan;
  for (std::size_t j = n; j > 0; j = best[j].from) {
    const auto start = fields[best[j].from].address;
    plan.blocks.push_back(Block{start, static_cast<std::uint16_t>(best[j].end - start)});
  }
  std::reverse(plan.blocks.begin(), plan.blocks.end());
  plan.fields = std::move(fields);
  return plan;
}

std::chrono::microseconds plan_cost(const ReadPlan& plan, const ReadCost& cost) {
  std::chrono::microseconds total{0};
  for (const auto& b : plan.blocks)
    total += cost.per_read + cost.per_register * b.count;
  return total;
}

std::optional<std::span<const std::uint16_t>> field_words(
    const ReadPlan& plan, const std::vector<std::vector<std::uint16_t>>& block_words,
    const Field& field) {
  if (block_words.size() != plan.blocks.size()) return std::nullopt;
  for (std::size_t i = 0; i < plan.blocks.size(); ++i) {
    const auto& b = plan.blocks[i];
    const auto words = static_cast<std::uint32_t>(field.words);
    if (field.address >= b.start && field.address + words <= std::uint32_t{b.start} + b.count) {
      const auto& data = block_words[i];
      const std::size_t offset = field.address - b.start;
      if (data.size() < offset + words) return std::nullopt;
      return std::span<const std::uint16_t>(data).subspan(offset, words);
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> decode_integer(std::span<const std::uint16_t> words, ValueType type,
                                           WordOrder order) {
  auto word = [&](std::size_t significance) -> std::uint32_t {
    // significance 0 = most significant word.
    const std::size_t i =
        order == WordOrder::kHighFirst ? significance : words.size() - 1 - significance;
    return words[i];
  };
  switch (type) {
    case ValueType::kU16:
      if (words.size() != 1) return std::nullopt;
      return std::int64_t{words[0]};
    case ValueType::kI16:
      if (words.size() != 1) return std::nullopt;
      return std::int64_t{static_cast<std::int16_t>(words[0])};
    case ValueType::kU32:
    case ValueType::kI32: {
      if (words.size() != 2) return std::nullopt;
      const std::uint32_t v = (word(0) << 16U) | word(1);
      if (type == ValueType::kU32) return std::int64_t{v};
      return std::int64_t{static_cast<std::int32_t>(v)};
    }
    case ValueType::kBcd: {
      if (words.empty() || words.size() > 4) return std::nullopt;
      std::int64_t v = 0;
      for (std::size_t i = 0; i < words.size(); ++i) {
        const std::uint32_t w = word(i);
        for (int shift = 12; shift >= 0; shift -= 4) {
          const std::uint32_t digit = (w >> static_cast<unsigned>(shift)) & 0xFU;
          if (digit > 9) return std::nullopt;
          v = v * 10 + static_cast<std::int64_t>(digit);
        }
      }
      return v;
    }
    case ValueType::kRaw:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::vector<std::uint16_t>> encode_integer(std::int64_t value, ValueType type,
                                                         WordOrder order) {
  switch (type) {
    case ValueType::kU16:
      if (value < 0 || value > 0xFFFF) return std::nullopt;
      return std::vector<std::uint16_t>{static_cast<std::uint16_t>(value)};
    case ValueType::kI16:
      if (value < std::numeric_limits<std::int16_t>::min() ||
          value > std::numeric_limits<std::int16_t>::max()) {
        return std::nullopt;
      }
      return std::vector<std::uint16_t>{static_cast<std::uint16_t>(value & 0xFFFF)};
    case ValueType::kU32:
    case ValueType::kI32: {
      const bool fits = type == ValueType::kU32
                            ? value >= 0 && value <= 0xFFFFFFFFLL
                            : value >= std::numeric_limits<std::int32_t>::min() &&
                                  value <= std::numeric_limits<std::int32_t>::max();
      if (!fits) return std::nullopt;
      const auto v = static_cast<std::uint32_t>(value & 0xFFFFFFFFLL);
      const auto hi = static_cast<std::uint16_t>(v >> 16U);
      const auto lo = static_cast<std::uint16_t>(v & 0xFFFFU);
      if (order == WordOrder::kHighFirst) return std::vector<std::uint16_t>{hi, lo};
      return std::vector<std::uint16_t>{lo, hi};
    }
    case ValueType::kBcd:
    case ValueType::kRaw:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::int64_t> max_integer(ValueType type) {
  switch (type) {
    case ValueType::kU16:
      return std::numeric_limits<std::uint16_t>::max();
    case ValueType::kI16:
      return std::numeric_limits<std::int16_t>::max();
    case ValueType::kU32:
      return std::numeric_limits<std::uint32_t>::max();
    case ValueType::kI32:
      return std::numeric_limits<std::int32_t>::max();
    case ValueType::kBcd:
    case ValueType::kRaw:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::int64_t> rescale(std::int64_t value, int from_exp, int to_exp) {
  const int gap = from_exp - to_exp;
  if (gap > 18 || gap < -18) return std::nullopt;
  std::int64_t factor = 1;
  for (int i = 0; i < (gap < 0 ? -gap : gap); ++i)
    factor *= 10;
  if (gap >= 0) {
    std::int64_t out = 0;
    if (__builtin_mul_overflow(value, factor, &out)) return std::nullopt;
    return out;
  }
  std::int64_t q = value / factor;
  if (value % factor != 0 && value < 0) --q;  // floor: never round a balance up
  return q;
}

}  // namespace phil::meterlink
