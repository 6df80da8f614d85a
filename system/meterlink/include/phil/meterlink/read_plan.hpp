#pragma once
// Turning a set of wanted registers into the fewest block reads, and decoding register words
// into integers. Pure functions: no I/O.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <phil/meterlink/profile.hpp>

namespace phil::meterlink {

/// One value to read: a register of the profile at a concrete address.
struct Field {
  std::string name;  ///< canonical register name
  int circuit = 0;   ///< 1.. for circuit registers, 0 for box registers
  std::uint16_t address = 0;
  int words = 1;
  ValueType type = ValueType::kU16;
  WordOrder word_order = WordOrder::kHighFirst;
  int scale_exp = 0;
  /// What the caller reads the field as, in its own terms (0: nothing said); plan_reads keeps it
  /// with the field, so decoding a plan's words needs no look-up by name (the ADF300 driver's
  /// Quantity).
  std::uint8_t tag = 0;
};

/// `reg` of circuit `circuit` (0 for a box register) as a Field.
Field field_of(const Register& reg, int circuit);

struct Block {
  std::uint16_t start = 0;
  std::uint16_t count = 0;  ///< registers, 1..max_read
};

struct ReadPlan {
  std::vector<Block> blocks;  ///< in address order
  std::vector<Field> fields;  ///< in address order; each lies inside exactly one block
};

/// Covers every field with blocks of at most `max_read` registers, fewest blocks possible. A
/// block may span registers between fields that nobody asked for (the device answers them).
/// Greedy left to right is optimal here: each block starts at the first uncovered field and
/// takes every following field that still fits. Throws std::invalid_argument if a field is
/// longer than `max_read` or max_read is outside 1..125.
ReadPlan plan_reads(std::vector<Field> fields, int max_read);

/// What reading costs on a line, for plan_cheapest: each read (one transaction) costs
/// `per_read` whatever its size (request frame, reply header and CRC, the silences around the
/// frames, the device's think time) and each register it returns `per_register` more.
struct ReadCost {
  std::chrono::microseconds per_read{0};
  std::chrono::microseconds per_register{0};
};

/// The cost of a Modbus-RTU FC03 read on a serial line (directly or through a transparent serial
/// server) at `baud` with `bits_per_char` on the wire per byte (start + data + parity + stop):
/// per read the request (8 bytes), the reply's 5 bytes beyond its registers, 3.5 characters of
/// silence after each frame (fixed 1.75 ms above 19200 baud) and `think`; per register 2 bytes.
/// Throws std::invalid_argument for a baud or character size that is not positive.
ReadCost rtu_read_cost(int baud, int bits_per_char, std::chrono::microseconds think);

/// Covers every field with blocks of at most `max_read` registers at the least total cost: a
/// block spans a gap between fields only where reading the gap's registers costs less than a
/// read of its own (on a slow line a few registers per circuit are read circuit by circuit; on
/// a fast one, or with a slow device, in few large blocks). Exact (dynamic programming over the
/// fields in address order, O(fields^2)); at equal cost, fewer blocks. Throws as plan_reads.
ReadPlan plan_cheapest(std::vector<Field> fields, int max_read, const ReadCost& cost);

/// The cost of `plan` by `cost`: what plan_cheapest minimises.
std::chrono::microseconds plan_cost(const ReadPlan& plan, const ReadCost& cost);

/// The words of `field`, given the words each block of `plan` returned (same order as
/// plan.blocks). nullopt if the data is missing or too short.
std::optional<std::span<const std::uint16_t>> field_words(
    const ReadPlan& plan, const std::vector<std::vector<std::uint16_t>>& block_words,
    const Field& field);

/// Integer value of words of the given type and word order (raw is not an integer: nullopt;
/// bcd: nullopt if a nibble is not a decimal digit or more than 4 words).
std::optional<std::int64_t> decode_integer(std::span<const std::uint16_t> words, ValueType type,
                                           WordOrder order);

/// Encodes an integer as `words` registers of `type` (u16/i16/u32/i32). nullopt if it does not
/// fit the type.
std::optional<std::vector<std::uint16_t>> encode_integer(std::int64_t value, ValueType type,
                                                         WordOrder order);

/// The largest value `type` holds: u16 65535, i16 32767, u32 4294967295, i32 2147483647;
/// nullopt for bcd and raw (not integers the driver writes).
std::optional<std::int64_t> max_integer(ValueType type);

/// value x 10^(from_exp - to_exp): converts between decimal scales of one unit, e.g. a raw
/// energy in 0.01 kWh (from_exp -2) to Wh (to_exp -3) multiplies by 10. Exact when
/// from_exp >= to_exp; otherwise rounds toward minus infinity (never up). nullopt on overflow or
/// if the exponents differ by more than 18.
std::optional<std::int64_t> rescale(std::int64_t value, int from_exp, int to_exp);

}  // namespace phil::meterlink
