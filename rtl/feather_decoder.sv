// feather_decoder: the fields of a FEATHER instruction (docs/isa.md,
// "Encoding"). Purely combinational: every field of every format is extracted
// from the instruction at once; only those of its opcode are meaningful, and
// the controller checks their legality when it dispatches the instruction.
//
// Bits above a format's payload are ignored. The field order within each
// format is the one sw/src/top/isa.cpp encodes (least significant first).

module feather_decoder #(
  parameter int  AH     = 4,
  parameter int  AW     = 4,
  parameter int  WIRING = 1,
  parameter int  SD     = 64,
  parameter int  WD     = 64,
  parameter int  OD     = 64,
  parameter int  MAW    = 24,
  localparam int STAGES = feather_pkg::birrd_stages(AW, WIRING),
  localparam int LA     = feather_pkg::line_width(SD, WD, OD),
  localparam int XW     = feather_pkg::index_width(AW, SD, WD, OD),
  localparam int FLW    = feather_pkg::f0log_width(XW),
  localparam int GLW    = feather_pkg::glog_width(AW),
  localparam int VW     = feather_pkg::vn_width(AH),
  localparam int CW     = STAGES * AW,
  localparam int WINW   = feather_pkg::win_width(XW),
  localparam int IW     = feather_pkg::instr_width(AH, AW, WIRING, SD, WD, OD, MAW)
) (
  input  logic [IW-1:0]  instr_i,
  output logic [feather_pkg::OpW-1:0] op_o,
  // Set*Layout
  output logic [2:0]     order_o,
  output logic [FLW-1:0] f0log_o,
  output logic [XW-1:0]  f1_o,
  output logic [XW-1:0]  f2_o,
  output logic [LA-1:0]  base_o,
  output logic [WINW-1:0] win_o,  // SetIVNLayout's window {stride, iw, ih, on}
  output logic [LA-1:0]  qoff_o,  // SetOVNLayout's requantized-image line offset
  // ExecuteStreaming
  output logic [XW-1:0]  m0_o,
  output logic [XW-1:0]  sm_o,
  output logic [XW-1:0]  t_o,
  output logic           acc_o,
  output logic           quant_o,
  output logic [CW-1:0]  cmd_o,
  output logic [AW-1:0]  mask_o,
  output logic [XW:0]    iy0_o,   // window origin (two's complement)
  output logic [XW:0]    ix0_o,
  // Load / Store
  output logic [feather_pkg::TgtW-1:0] tgt_o,
  output logic [LA-1:0]  line_o,
  output logic [XW-1:0]  count_o,
  output logic [MAW-1:0] addr_o,
  // Config
  output logic [7:0]     zpa_o,
  output logic [7:0]     zpw_o,
  output logic           swap_o,
  output logic           clamp_o,
  output logic [7:0]     qlo_o,
  output logic [7:0]     qhi_o,
  output logic           lut_o,
  // ExecuteMapping
  output logic [XW-1:0]  j0_o,
  output logic [XW-1:0]  n0_o,
  output logic [GLW-1:0] grlog_o,
  output logic [GLW-1:0] gclog_o,
  output logic [VW-1:0]  vnm1_o
);

  assign op_o = instr_i[0 +: feather_pkg::OpW];

  assign order_o = instr_i[3 +: 3];
  assign f0log_o = instr_i[6 +: FLW];
  assign f1_o    = instr_i[6 + FLW +: XW];
  assign f2_o    = instr_i[6 + FLW + XW +: XW];
  assign base_o  = instr_i[6 + FLW + 2*XW +: LA];
  assign win_o   = instr_i[6 + FLW + 2*XW + LA +: WINW];
  assign qoff_o  = instr_i[6 + FLW + 2*XW + LA + WINW +: LA];

  assign m0_o    = instr_i[3 +: XW];
  assign sm_o    = instr_i[3 + XW +: XW];
  assign t_o     = instr_i[3 + 2*XW +: XW];
  assign acc_o   = instr_i[3 + 3*XW];
  assign quant_o = instr_i[4 + 3*XW];
  assign cmd_o   = instr_i[5 + 3*XW +: CW];
  assign mask_o  = instr_i[5 + 3*XW + CW +: AW];
  assign iy0_o   = instr_i[5 + 3*XW + CW + AW +: XW + 1];
  assign ix0_o   = instr_i[5 + 4*XW + CW + AW + 1 +: XW + 1];

  assign tgt_o   = instr_i[3 +: 3];
  assign line_o  = instr_i[6 +: LA];
  assign count_o = instr_i[6 + LA +: XW];
  assign addr_o  = instr_i[6 + LA + XW +: MAW];

  assign zpa_o  = instr_i[3 +: 8];
  assign zpw_o  = instr_i[11 +: 8];
  assign swap_o = instr_i[19];
  assign clamp_o = instr_i[20];
  assign qlo_o  = instr_i[21 +: 8];
  assign qhi_o  = instr_i[29 +: 8];
  assign lut_o  = instr_i[37];

  assign j0_o    = instr_i[3 +: XW];
  assign n0_o    = instr_i[3 + XW +: XW];
  assign grlog_o = instr_i[3 + 2*XW +: GLW];
  assign gclog_o = instr_i[3 + 2*XW + GLW +: GLW];
  assign vnm1_o  = instr_i[3 + 2*XW + 2*GLW +: VW];

endmodule
