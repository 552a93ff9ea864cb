// egg: combinational 2x2 switch of the BIRRD network.
//
// Two input ports (lo = even port 2i, hi = odd port 2i+1), two output ports,
// each carrying a DW-bit word plus a valid bit. The 2-bit command selects:
//
//   cmd         lo_o         hi_o         lo_valid_o   hi_valid_o
//   00 PASS     lo_i         hi_i         lo_valid_i   hi_valid_i
//   11 SWAP     hi_i         lo_i         hi_valid_i   lo_valid_i
//   01 ADD_LO   lo_i + hi_i  hi_i         both         hi_valid_i
//   10 ADD_HI   lo_i         lo_i + hi_i  lo_valid_i   both
//
//   both = lo_valid_i & hi_valid_i
//
// The sum wraps around at DW bits. In the ADD modes the operand that is not
// replaced by the sum stays on its own port with its own valid bit (a copy);
// downstream masking decides whether it is used.

// DW is `int`, not `int unsigned`: Icarus 11 rejects `parameter int unsigned`.
module egg #(
  parameter int DW = 32  // data width, >= 1
) (
  input  logic [1:0]    cmd_i,
  input  logic [DW-1:0] lo_i,
  input  logic [DW-1:0] hi_i,
  input  logic          lo_valid_i,
  input  logic          hi_valid_i,
  output logic [DW-1:0] lo_o,
  output logic [DW-1:0] hi_o,
  output logic          lo_valid_o,
  output logic          hi_valid_o
);

  localparam logic [1:0] CmdAddLo = 2'b01;
  localparam logic [1:0] CmdAddHi = 2'b10;
  localparam logic [1:0] CmdSwap  = 2'b11;

  logic [DW-1:0] sum;
  logic          both_valid;

  assign sum        = lo_i + hi_i;  // DW-bit wrap-around add
  assign both_valid = lo_valid_i & hi_valid_i;

  // Each output is an AND-OR of its candidates under one-hot selects, not a case: with the
  // command changing every cycle, a case becomes data-dependent branches in the verilated
  // model, which the host mispredicts about once per switch and cycle (docs/performance.md).
  logic swap, add_lo, add_hi;
  assign swap   = cmd_i == CmdSwap;
  assign add_lo = cmd_i == CmdAddLo;
  assign add_hi = cmd_i == CmdAddHi;

  // lo keeps its input unless the command is SWAP or ADD_LO (cmd_i[0] set); hi likewise
  // unless SWAP or ADD_HI (cmd_i[1] set).
  assign lo_o = ({DW{swap}} & hi_i) | ({DW{add_lo}} & sum) | ({DW{!cmd_i[0]}} & lo_i);
  assign hi_o = ({DW{swap}} & lo_i) | ({DW{add_hi}} & sum) | ({DW{!cmd_i[1]}} & hi_i);
  assign lo_valid_o = (swap & hi_valid_i) | (add_lo & both_valid) | (!cmd_i[0] & lo_valid_i);
  assign hi_valid_o = (swap & lo_valid_i) | (add_hi & both_valid) | (!cmd_i[1] & hi_valid_i);

endmodule
