// feather_addr: the address generator of a VN layout (docs/isa.md).
//
// A layout {order, f0log, F1, F2, base} is given as the controller holds it
// (lay_i, feather_pkg's layout descriptor), with its digit strides st0, st1,
// st2 computed once when the layout is set. VN (a_i, b_i) has digits
// d0 = a mod 2^f0log, d1 = a div 2^f0log, d2 = b; it is in range when
// d1 < F1 and d2 < F2. Its flat index is L = d0*st0 + d1*st1 + d2*st2
// (XW bits), its bank L mod AW and element e_i of it is at line
// base + (L div AW)*AH + e_i. For a legal layout every in-range element's
// line is below the buffer depth. Purely combinational.

module feather_addr #(
  parameter int  AW   = 4,   // banks, power of two >= 2
  parameter int  AH   = 4,   // elements per VN, power of two >= 2
  parameter int  LA   = 8,   // line width
  localparam int AWL  = $clog2(AW),
  localparam int AHL  = $clog2(AH),
  localparam int XW   = LA + AWL,
  localparam int FLW  = feather_pkg::f0log_width(XW),
  localparam int VW   = feather_pkg::vn_width(AH),
  localparam int LYW  = feather_pkg::layout_width(XW, LA)
) (
  input  logic [LYW-1:0] lay_i,
  input  logic [XW-1:0]  a_i,
  input  logic [XW-1:0]  b_i,
  input  logic [VW-1:0]  e_i,
  output logic           in_range_o,
  output logic [AWL-1:0] bank_o,
  output logic [LA-1:0]  line_o
);

  logic [FLW-1:0] f0log;
  logic [XW-1:0]  f1, f2, st0, st1, st2;
  logic [LA-1:0]  base;
  assign f0log = lay_i[0 +: FLW];
  assign f1    = lay_i[FLW +: XW];
  assign f2    = lay_i[FLW + XW +: XW];
  assign base  = lay_i[FLW + 2*XW +: LA];
  assign st0   = lay_i[FLW + 2*XW + LA +: XW];
  assign st1   = lay_i[FLW + 3*XW + LA +: XW];
  assign st2   = lay_i[FLW + 4*XW + LA +: XW];

  logic [XW-1:0] f0mask, d0, d1, flat;
  logic [LA-1:0] vrow;

  assign f0mask     = (XW'(1) << f0log) - XW'(1);
  assign d0         = a_i & f0mask;
  assign d1         = a_i >> f0log;
  assign in_range_o = (d1 < f1) && (b_i < f2);
  assign flat       = d0 * st0 + d1 * st1 + b_i * st2;
  assign bank_o     = flat[AWL-1:0];
  assign vrow       = flat[XW-1:AWL];
  assign line_o     = base + (vrow << AHL) + LA'(e_i);

endmodule
