// bank_arb_props: formal properties of the bank arbitration
// (rtl/feather_bank_arb.sv), proven by verif/formal/prove.sh.
//
// Each bank has one read port: per bank the arbiter picks one line, so two
// different lines of one bank are never read in one cycle. Properties, for
// every request pattern:
//   a_lowest     : a bank that some column requests reads the line of the
//                  lowest requesting column (one line per bank and cycle);
//   a_served     : while enabled and without a conflict, every requesting
//                  column finds its own line at its bank (no request is lost);
//   a_conflict   : while enabled, conflict_o is set iff two requesting columns
//                  ask one bank for different lines;
//   a_quiet      : no conflict is reported while the engine is not enabled.
// Combinational: a proof at depth 1 covers every cycle.

module bank_arb_props #(
  parameter int  AW  = 4,
  parameter int  LA  = 3,
  localparam int AWL = $clog2(AW)
) (
  input logic              clk_i,
  input logic              rst_ni,
  input logic              en_i,
  input logic [AW-1:0]     req_i,
  input logic [AW*AWL-1:0] bank_i,
  input logic [AW*LA-1:0]  line_i
);

  logic [AW*LA-1:0] bank_line_o;
  logic             conflict_o;

  feather_bank_arb #(
    .AW(AW),
    .LA(LA)
  ) u_dut (
    .en_i       (en_i),
    .req_i      (req_i),
    .bank_i     (bank_i),
    .line_i     (line_i),
    .bank_line_o(bank_line_o),
    .conflict_o (conflict_o)
  );

  // Some pair of requesting columns asks one bank for two lines.
  logic clash;
  always_comb begin
    clash = 1'b0;
    for (int c = 0; c < AW; c++) begin
      for (int d = 0; d < AW; d++) begin
        if (c != d && req_i[c] && req_i[d] && bank_i[c*AWL +: AWL] == bank_i[d*AWL +: AWL] &&
            line_i[c*LA +: LA] != line_i[d*LA +: LA]) begin
          clash = 1'b1;
        end
      end
    end
  end

  logic unused;
  assign unused = ^{clk_i, rst_ni};

`ifdef FORMAL
  for (genvar c = 0; c < AW; c++) begin : g_col
    logic [AWL-1:0] bank;
    logic [LA-1:0]  line, got;
    logic           lowest;  // no lower column requests the same bank
    assign bank = bank_i[c*AWL +: AWL];
    assign line = line_i[c*LA +: LA];
    assign got  = bank_line_o[32'(bank)*LA +: LA];
    always_comb begin
      lowest = 1'b1;
      for (int d = 0; d < c; d++) begin
        if (req_i[d] && bank_i[d*AWL +: AWL] == bank) lowest = 1'b0;
      end
      // a_lowest (unlabelled: Yosys 0.23 gives every loop copy the same label)
      if (req_i[c] && lowest) begin
        assert (got == line);
      end
      // a_served
      if (req_i[c] && en_i && !conflict_o) begin
        assert (got == line);
      end
    end
  end

  always_comb begin
    if (en_i) begin
      a_conflict: assert (conflict_o == clash);
    end else begin
      a_quiet: assert (!conflict_o);
    end
  end
`endif

endmodule
