// addr_props: formal properties of the VN address generator
// (rtl/feather_addr.sv), proven by verif/formal/prove.sh.
//
// The harness builds every legal layout descriptor the way docs/isa.md
// defines it (order 0..5, f0log <= XW-1, F1 and F2 nonzero, the layout's last
// line base + ((F0*F1*F2 - 1) div AW)*AH + AH - 1 below the buffer depth
// DEPTH), with the digit strides of the order table of docs/isa.md, and asks
// for every VN (a, b) and element e < AH. Properties, with L computed from
// the order table in wide arithmetic:
//   a_in_range : in_range_o iff a < F0*F1 and b < F2;
//   a_bank     : for an in-range VN, bank_o = L mod AW;
//   a_line     : for an in-range VN, line_o = base + (L div AW)*AH + e, with
//                no wrap-around;
//   a_depth    : for an in-range VN, line_o < DEPTH (addresses in range for
//                every legal descriptor).
// Combinational: a proof at depth 1 covers every cycle.

module addr_props #(
  parameter int  AW    = 4,
  parameter int  AH    = 2,
  parameter int  LA    = 4,
  parameter int  DEPTH = 12,  // buffer lines, <= 2^LA
  localparam int AWL   = $clog2(AW),
  localparam int AHL   = $clog2(AH),
  localparam int XW    = LA + AWL,
  localparam int FLW   = feather_pkg::f0log_width(XW),
  localparam int VW    = feather_pkg::vn_width(AH),
  localparam int LYW   = feather_pkg::layout_width(XW, LA),
  localparam int WW    = 3 * XW + 2  // wide enough for every product below
) (
  input logic           clk_i,
  input logic           rst_ni,
  input logic [2:0]     order_i,
  input logic [FLW-1:0] f0log_i,
  input logic [XW-1:0]  f1_i,
  input logic [XW-1:0]  f2_i,
  input logic [LA-1:0]  base_i,
  input logic [XW-1:0]  a_i,
  input logic [XW-1:0]  b_i,
  input logic [VW-1:0]  e_i
);

  // Wide copies of the fields.
  logic [WW-1:0] f0, f1, f2, base, a, b, e;
  assign f0   = WW'(1) << f0log_i;
  assign f1   = WW'(f1_i);
  assign f2   = WW'(f2_i);
  assign base = WW'(base_i);
  assign a    = WW'(a_i);
  assign b    = WW'(b_i);
  assign e    = WW'(e_i);

  // Digits and the strides of docs/isa.md's order table (L = d0*s0 + d1*s1 + d2*s2).
  logic [WW-1:0] d0, d1, d2, s0, s1, s2, flat, last;
  assign d0 = a % f0;
  assign d1 = a / f0;
  assign d2 = b;
  always_comb begin
    unique case (order_i)
      3'd0: begin s2 = f0 * f1; s0 = f1; s1 = 1; end
      3'd1: begin s2 = f1 * f0; s1 = f0; s0 = 1; end
      3'd2: begin s0 = f2 * f1; s2 = f1; s1 = 1; end
      3'd3: begin s0 = f1 * f2; s1 = f2; s2 = 1; end
      3'd4: begin s1 = f2 * f0; s2 = f0; s0 = 1; end
      default: begin s1 = f0 * f2; s0 = f2; s2 = 1; end
    endcase
  end
  assign flat = d0 * s0 + d1 * s1 + d2 * s2;
  assign last = base + (((f0 * f1 * f2) - 1) / AW) * AH + (AH - 1);

  // The descriptor as the controller holds it (strides truncated to XW bits).
  logic [LYW-1:0] lay;
  assign lay = {XW'(s2), XW'(s1), XW'(s0), base_i, f2_i, f1_i, f0log_i};

  logic           in_range_o;
  logic [AWL-1:0] bank_o;
  logic [LA-1:0]  line_o;

  feather_addr #(
    .AW(AW),
    .AH(AH),
    .LA(LA)
  ) u_dut (
    .lay_i     (lay),
    .a_i       (a_i),
    .b_i       (b_i),
    .e_i       (e_i),
    .in_range_o(in_range_o),
    .bank_o    (bank_o),
    .line_o    (line_o)
  );

  logic unused;
  assign unused = ^{clk_i, rst_ni};

`ifdef FORMAL
  always_comb begin
    // A legal descriptor (Set*Layout accepted it) and an element of the VN.
    assume (order_i <= 3'd5);
    assume (32'(f0log_i) <= XW - 1);
    assume (f1_i != '0 && f2_i != '0);
    assume (last < WW'(DEPTH));
    assume (32'(e_i) < AH);
    a_in_range: assert (in_range_o == ((a < f0 * f1) && (b < f2)));
    if (in_range_o) begin
      a_bank:  assert (WW'(bank_o) == flat % AW);
      a_line:  assert (WW'(line_o) == base + (flat / AW) * AH + e);
      a_depth: assert (32'(line_o) < DEPTH);
    end
  end
`endif

endmodule
