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

  localparam logic [1:0] CmdPass  = 2'b00;
  localparam logic [1:0] CmdAddLo = 2'b01;
  localparam logic [1:0] CmdAddHi = 2'b10;
  localparam logic [1:0] CmdSwap  = 2'b11;

  logic [DW-1:0] sum;
  logic          both_valid;

  assign sum        = lo_i + hi_i;  // DW-bit wrap-around add
  assign both_valid = lo_valid_i & hi_valid_i;

  always_comb begin
    // PASS unless the command says otherwise.
    lo_o       = lo_i;
    hi_o       = hi_i;
    lo_valid_o = lo_valid_i;
    hi_valid_o = hi_valid_i;
    unique case (cmd_i)
      CmdPass: ;
      CmdAddLo: begin
        lo_o       = sum;
        lo_valid_o = both_valid;
      end
      CmdAddHi: begin
        hi_o       = sum;
        hi_valid_o = both_valid;
      end
      CmdSwap: begin
        lo_o       = hi_i;
        hi_o       = lo_i;
        lo_valid_o = hi_valid_i;
        hi_valid_o = lo_valid_i;
      end
      default: ;
    endcase
  end

endmodule
