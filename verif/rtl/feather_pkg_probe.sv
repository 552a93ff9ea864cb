// feather_pkg_probe: feather_pkg's constants and size functions as output ports, verilated for
// the test that checks them against the C++ side (verif/unit/pkg_constants_test.cpp,
// `PkgConstants.*`). Test-only: not part of the design.
//
// Ports (all constant):
//   ops_o[8*3]       opcode k at [k*3 +: 3] in the order SetW, SetI, SetO, Stream, Store, Load,
//                    Config, Map
//   errs_o[10*4]     error code k at [k*4 +: 4]: None, Field, LayoutRange, State, SConflict,
//                    WConflict, OConflict, OMissing, MemRange, QRange
//   tgts_o[6*3]      Load/Store targets: Wbuf, SbufCur, SbufNext, Scale, Ozp, Lut
//   misc_o[6*8]      LastOrder, CfgW, RowLat, OpW, ErrW, TgtW (8 bits each)
//   stages_o[14*8]   birrd_stages(AW, WIRING) for AW = 4 << (k / 2), WIRING = k % 2
//   sizes_o[NC*6*16] for configuration c of the table below: instr_width, line_width,
//                    index_width, f0log_width, glog_width, vn_width (16 bits each)

module feather_pkg_probe #(
  localparam int NC = 5
) (
  output logic [8*3-1:0]     ops_o,
  output logic [10*4-1:0]    errs_o,
  output logic [6*3-1:0]     tgts_o,
  output logic [6*8-1:0]     misc_o,
  output logic [14*8-1:0]    stages_o,
  output logic [NC*6*16-1:0] sizes_o
);

  assign ops_o = {feather_pkg::OpMap, feather_pkg::OpConfig, feather_pkg::OpLoad,
                  feather_pkg::OpStore, feather_pkg::OpStream, feather_pkg::OpSetO,
                  feather_pkg::OpSetI, feather_pkg::OpSetW};
  assign errs_o = {feather_pkg::ErrQRange, feather_pkg::ErrMemRange, feather_pkg::ErrOMissing,
                   feather_pkg::ErrOConflict, feather_pkg::ErrWConflict,
                   feather_pkg::ErrSConflict, feather_pkg::ErrState,
                   feather_pkg::ErrLayoutRange, feather_pkg::ErrField, feather_pkg::ErrNone};
  assign tgts_o = {feather_pkg::TgtLut, feather_pkg::TgtOzp, feather_pkg::TgtScale,
                   feather_pkg::TgtSbufNext, feather_pkg::TgtSbufCur, feather_pkg::TgtWbuf};
  assign misc_o = {8'(feather_pkg::TgtW), 8'(feather_pkg::ErrW), 8'(feather_pkg::OpW), 8'(feather_pkg::RowLat), 8'(feather_pkg::CfgW),
                   8'(feather_pkg::LastOrder)};

  for (genvar k = 0; k < 14; k++) begin : g_stages
    assign stages_o[k*8 +: 8] = 8'(feather_pkg::birrd_stages(4 << (k / 2), k % 2));
  end

  // Configurations: AH, AW, WIRING, SD, WD, OD, MAW (the verilated tops, two extremes, and a
  // small array with wide addresses: XW = 7, where f0log_width(XW) = $clog2(XW + 1) is at a power
  // of two, and the Load/Store format is the widest).
  for (genvar c = 0; c < NC; c++) begin : g_cfg
    localparam int AH  = (c == 0) ? 4 : (c == 1) ? 16 : (c == 2) ? 2 : (c == 3) ? 64 : 4;
    localparam int AW  = (c == 0) ? 4 : (c == 1) ? 16 : (c == 2) ? 4 : (c == 3) ? 64 : 4;
    localparam int WR  = (c == 2) ? 0 : 1;
    localparam int SD  = (c == 0) ? 1024 : (c == 1) ? 65536 : (c == 2) ? 2 : (c == 3) ? 64 : 32;
    localparam int WD  = (c == 0) ? 512 : (c == 1) ? 16384 : (c == 2) ? 3 : (c == 3) ? 4096 : 32;
    localparam int OD  = (c == 0) ? 512 : (c == 1) ? 16384 : (c == 2) ? 5 : (c == 3) ? 64 : 32;
    localparam int MAW = (c == 2) ? 1 : (c >= 3) ? 48 : 24;
    localparam int XW  = feather_pkg::index_width(AW, SD, WD, OD);
    assign sizes_o[c*96 +: 96] = {16'(feather_pkg::vn_width(AH)), 16'(feather_pkg::glog_width(AW)),
                                  16'(feather_pkg::f0log_width(XW)), 16'(XW),
                                  16'(feather_pkg::line_width(SD, WD, OD)),
                                  16'(feather_pkg::instr_width(AH, AW, WR, SD, WD, OD, MAW))};
  end

endmodule
