// egg_props: formal properties of one egg switch (rtl/egg.sv), proven by
// verif/formal/prove.sh.
//
// Every input is free. For each of the four commands the outputs must be the
// documented function of the inputs (docs/birrd.md, the table in egg.sv):
//   PASS   lo, hi unchanged, each with its own valid;
//   SWAP   lo and hi exchanged, valids exchanged with them;
//   ADD_LO lo = lo + hi (DW-bit wrap-around), valid iff both inputs valid;
//          hi keeps its input and valid;
//   ADD_HI the mirror image of ADD_LO.
// Valids: no output valid appears without a valid input that the function
// says feeds it, and PASS/SWAP keep the number of valids (none lost or
// duplicated); an ADD output is valid iff both its operands are.
// The switch is combinational, so a proof at depth 1 covers every cycle.

module egg_props #(
  parameter int DW = 4
) (
  input logic          clk_i,
  input logic          rst_ni,
  input logic [1:0]    cmd_i,
  input logic [DW-1:0] lo_i,
  input logic [DW-1:0] hi_i,
  input logic          lo_valid_i,
  input logic          hi_valid_i
);

  logic [DW-1:0] lo_o, hi_o;
  logic          lo_valid_o, hi_valid_o;

  egg #(
    .DW(DW)
  ) u_dut (
    .cmd_i     (cmd_i),
    .lo_i      (lo_i),
    .hi_i      (hi_i),
    .lo_valid_i(lo_valid_i),
    .hi_valid_i(hi_valid_i),
    .lo_o      (lo_o),
    .hi_o      (hi_o),
    .lo_valid_o(lo_valid_o),
    .hi_valid_o(hi_valid_o)
  );

  // The sum, computed one bit wider and truncated: the documented wrap-around.
  logic [DW:0] wide_sum;
  assign wide_sum = {1'b0, lo_i} + {1'b0, hi_i};

  logic unused;
  assign unused = ^{clk_i, rst_ni, wide_sum[DW]};

`ifdef FORMAL
  always_comb begin
    unique case (cmd_i)
      2'b00: begin  // PASS
        a_pass_lo: assert (lo_o == lo_i && lo_valid_o == lo_valid_i);
        a_pass_hi: assert (hi_o == hi_i && hi_valid_o == hi_valid_i);
      end
      2'b11: begin  // SWAP
        a_swap_lo: assert (lo_o == hi_i && lo_valid_o == hi_valid_i);
        a_swap_hi: assert (hi_o == lo_i && hi_valid_o == lo_valid_i);
      end
      2'b01: begin  // ADD_LO
        a_addlo_lo: assert (lo_o == wide_sum[DW-1:0] &&
                            lo_valid_o == (lo_valid_i && hi_valid_i));
        a_addlo_hi: assert (hi_o == hi_i && hi_valid_o == hi_valid_i);
      end
      default: begin  // 2'b10 ADD_HI
        a_addhi_lo: assert (lo_o == lo_i && lo_valid_o == lo_valid_i);
        a_addhi_hi: assert (hi_o == wide_sum[DW-1:0] &&
                            hi_valid_o == (lo_valid_i && hi_valid_i));
      end
    endcase
    // Valid accounting: a routing command keeps the number of valids.
    if (cmd_i == 2'b00 || cmd_i == 2'b11) begin
      a_route_count: assert (32'(lo_valid_o) + 32'(hi_valid_o) ==
                             32'(lo_valid_i) + 32'(hi_valid_i));
    end
    // No valid out of nothing: with both inputs invalid both outputs are invalid.
    if (!lo_valid_i && !hi_valid_i) begin
      a_no_spurious: assert (!lo_valid_o && !hi_valid_o);
    end
  end
`endif

endmodule
