// feather_out_engine: the write unit of the FEATHER top: the output buffer,
// its address generation and checks, and requantization into the next
// layer's streaming buffer.
//
// When an output row's metadata reaches the BIRRD output (wr_valid_i), every
// reduction group x of the mapping context wr_ctx_i names its output VN
// element: m = wr_m_i + (x >> gclog), n = n0 + row + (x mod 2^gclog)*AH,
// element n mod AH of OVN (m, n div AH) in the output layout lay_i. Each
// group's (bank, line) is computed; two groups writing one bank is
// OCONFLICT, a group whose bank carries no BIRRD result is OMISSING, and with
// quantization an n past the requantization table is QRANGE (oconflict_o,
// omissing_o, qrange_o: the controller raises the first). Without an error,
// each lane with a result read-modify-writes its output bank (combinational
// read: sum = (acc ? old : 0) + result) and, with quant, writes the
// requantized byte to the inactive streaming half at the same bank, the line plus
// the OVN layout's qoff (q_we_o, qline_o, q_data_o).
//
// The requantization tables are written by Load beats (ld_*_i). FAULT = 1
// XORs fault_addr_i into the write line (fault-injection tests).

module feather_out_engine #(
  parameter int  AH    = 4,
  parameter int  AW    = 4,
  parameter int  SD    = 64,
  parameter int  WD    = 64,
  parameter int  OD    = 64,
  parameter int  QD    = 64,
  parameter int  FAULT = 0,
  localparam int AWL   = $clog2(AW),
  localparam int AHL   = $clog2(AH),
  localparam int LA    = feather_pkg::line_width(SD, WD, OD),
  localparam int XW    = feather_pkg::index_width(AW, SD, WD, OD),
  localparam int GLW   = feather_pkg::glog_width(AW),
  localparam int VW    = feather_pkg::vn_width(AH),
  localparam int LYW   = feather_pkg::layout_width(XW, LA),
  localparam int CTXW  = feather_pkg::ctx_width(XW, AW, AH)
) (
  input  logic              clk_i,
  input  logic              ok_i,          // no error raised
  // The output row at the BIRRD output (feather_meta_pipe).
  input  logic              wr_valid_i,
  input  logic              wr_ctx_i,
  input  logic [XW-1:0]     wr_m_i,
  input  logic              wr_movf_i,
  input  logic [VW-1:0]     wr_row_i,
  input  logic              wr_acc_i,
  input  logic              wr_quant_i,
  input  logic [2*CTXW-1:0] ctx_i,
  input  logic [LYW-1:0]    lay_i,         // output layout
  input  logic [LA-1:0]     qoff_i,        // its qoff: requantized bytes go to line + qoff
  input  logic [AW*32-1:0]  birrd_data_i,
  input  logic [AW-1:0]     birrd_valid_i,
  input  logic [7:0]        qlo_i,         // Config's requantization clamp
  input  logic [7:0]        qhi_i,
  input  logic              lut_i,         // Config's activation-table bit
  // Requantization table writes (memory engine).
  input  logic              ld_fire_i,
  input  logic [feather_pkg::TgtW-1:0] ld_tgt_i,
  input  logic [LA-1:0]     ld_line_i,
  input  logic [AW*8-1:0]   ld_data_i,
  input  logic [LA-1:0]     fault_addr_i,
  // Checks.
  output logic              oconflict_o,
  output logic              omissing_o,
  output logic              qrange_o,
  // Writes.
  output logic [AW-1:0]     ob_we_o,       // output bank written
  output logic [AW*LA-1:0]  wline_o,       // at this line
  output logic [AW*LA-1:0]  qline_o,       // the requantized byte's line (wline_o + qoff)
  output logic [AW-1:0]     q_we_o,        // requantized byte to the streaming buffer
  output logic [AW*8-1:0]   q_data_o
);

  localparam int OAW = (OD > 1) ? $clog2(OD) : 1;
  localparam int QW  = (QD > 1) ? $clog2(QD) : 1;
  localparam int NQB = (AW >= 4) ? (AW / 4) : 1;
  localparam int SBD = QD / NQB;
  localparam int ZBD = QD / AW;
  localparam int SBA = (SBD > 1) ? $clog2(SBD) : 1;
  localparam int ZBA = (ZBD > 1) ? $clog2(ZBD) : 1;

  // The context the row was computed with (fields at feather_pkg's context offsets).
  localparam int J0Lsb    = feather_pkg::CtxJ0Lsb;
  localparam int N0Lsb    = feather_pkg::ctx_n0_lsb(XW);
  localparam int GrlogLsb = feather_pkg::ctx_grlog_lsb(XW);
  localparam int GclogLsb = feather_pkg::ctx_gclog_lsb(XW, AW);
  localparam int Vnm1Lsb  = feather_pkg::ctx_vnm1_lsb(XW, AW);
  logic [CTXW-1:0] ctx;
  logic [XW-1:0]   ctx_n0;
  logic [GLW-1:0]  ctx_grlog, ctx_gclog;
  assign ctx       = wr_ctx_i ? ctx_i[CTXW +: CTXW] : ctx_i[0 +: CTXW];  // a 2:1 mux
  assign ctx_n0    = ctx[N0Lsb +: XW];
  assign ctx_grlog = ctx[GrlogLsb +: GLW];
  assign ctx_gclog = ctx[GclogLsb +: GLW];
  logic unused_ctx;  // j0 and vn only matter to the engines that read operands
  assign unused_ctx = ^{ctx[J0Lsb +: XW], ctx[Vnm1Lsb +: VW]};

  ///////////////////////////
  // Addresses             //
  ///////////////////////////

  logic [AW-1:0]     og_live;
  logic [AW*AWL-1:0] og_bk;
  logic [AW*LA-1:0]  og_ln;
  logic [AW*XW-1:0]  og_n;
  logic [AW-1:0]     og_nbig;  // n past XW bits (beyond any QD)

  for (genvar x = 0; x < AW; x++) begin : g_addr
    logic [AWL-1:0] rep, nsub;
    logic           grp_ok;
    logic [XW+1:0]  og_mw, og_nw, og_qw;
    logic           og_ovf, og_in;
    assign grp_ok = (x < (1 << ctx_grlog));
    assign rep = AWL'(x >> ctx_gclog);
    assign nsub = AWL'(x) & AWL'((AW'(1) << ctx_gclog) - AW'(1));
    assign og_mw = (XW+2)'(wr_m_i) + (XW+2)'(rep);
    assign og_nw = (XW+2)'(ctx_n0) + (XW+2)'(wr_row_i) + ((XW+2)'(nsub) << AHL);
    assign og_n[x*XW +: XW] = og_nw[XW-1:0];
    assign og_qw = og_nw >> AHL;
    assign og_ovf = wr_movf_i || (og_mw[XW+1:XW] != 2'b00) || (og_qw[XW+1:XW] != 2'b00);
    assign og_nbig[x] = (og_nw[XW+1:XW] != 2'b00);
    assign og_live[x] = wr_valid_i && grp_ok && og_in && !og_ovf;
    feather_addr #(.AW(AW), .AH(AH), .LA(LA)) u_addr (
      .lay_i     (lay_i),
      .a_i       (og_mw[XW-1:0]),                   // m of the OVN
      .b_i       (og_qw[XW-1:0]),                   // n div AH
      .e_i       (VW'(og_nw[XW-1:0] & XW'(AH - 1))),  // n mod AH
      .in_range_o(og_in),
      .bank_o    (og_bk[x*AWL +: AWL]),
      .line_o    (og_ln[x*LA +: LA])
    );
  end

  ///////////////////////////
  // Checks                //
  ///////////////////////////

  // Per bank: the line and n of the group writing it (arrays indexed by the bank: Yosys
  // maps their writes to per-bank enables, cheaper than shifts into a flat vector).
  (* mem2reg *)
  logic           lane_hit  [AW];
  (* mem2reg *)
  logic [LA-1:0]  lane_line [AW];
  (* mem2reg *)
  logic [XW-1:0]  lane_n    [AW];
  always_comb begin
    oconflict_o = 1'b0;
    omissing_o  = 1'b0;
    qrange_o    = 1'b0;
    for (int i = 0; i < AW; i++) begin
      lane_hit[i]  = 1'b0;
      lane_line[i] = '0;
      lane_n[i]    = '0;
    end
    for (int x = 0; x < AW; x++) begin
      if (og_live[x]) begin
        if (lane_hit[og_bk[x*AWL +: AWL]]) begin
          oconflict_o = 1'b1;
        end else begin
          lane_hit[og_bk[x*AWL +: AWL]]  = 1'b1;
          lane_line[og_bk[x*AWL +: AWL]] = og_ln[x*LA +: LA];
          lane_n[og_bk[x*AWL +: AWL]]    = og_n[x*XW +: XW];
        end
        if (!birrd_valid_i[og_bk[x*AWL +: AWL]]) omissing_o = 1'b1;
        if (wr_quant_i && (og_nbig[x] || (og_n[x*XW +: XW] >= XW'(QD)))) qrange_o = 1'b1;
      end
    end
  end

  logic wr_err;
  assign wr_err = oconflict_o || omissing_o || qrange_o;

  ///////////////////////////
  // Lanes                 //
  ///////////////////////////

  // Requantization table writes: a Load beat of line l writes scale words l*NQB ..
  // l*NQB+NQB-1 (ozp bytes l*AW .. l*AW+AW-1), word j to bank j at address l of every
  // copy; lines past the table are dropped.
  logic           qt_sc_we, qt_zp_we;
  logic [SBA-1:0] qt_sc_waddr;
  logic [ZBA-1:0] qt_zp_waddr;
  assign qt_sc_we    = ld_fire_i && (ld_tgt_i == feather_pkg::TgtScale) && (32'(ld_line_i) < SBD);
  assign qt_zp_we    = ld_fire_i && (ld_tgt_i == feather_pkg::TgtOzp) && (32'(ld_line_i) < ZBD);
  assign qt_sc_waddr = SBA'(ld_line_i);
  assign qt_zp_waddr = ZBA'(ld_line_i);
  // Activation-table writes: a Load beat of line l writes entries l*AW .. l*AW+AW-1 of every
  // lane's copy.
  localparam int LUTL = feather_pkg::lut_lines(AW);
  localparam int LUTA = (LUTL > 2) ? $clog2(LUTL) : 1;
  logic            qt_lut_we;
  logic [LUTA-1:0] qt_lut_waddr;
  assign qt_lut_we    = ld_fire_i && (ld_tgt_i == feather_pkg::TgtLut) && (32'(ld_line_i) < LUTL);
  assign qt_lut_waddr = LUTA'(ld_line_i);

  for (genvar i = 0; i < AW; i++) begin : g_lane
    logic [LA-1:0] wline;
    logic [31:0]   sum, old;
    logic          we;
    assign wline = (FAULT == 1) ? (lane_line[i] ^ fault_addr_i) : lane_line[i];
    assign sum   = (wr_acc_i ? old : 32'd0) + birrd_data_i[i*32 +: 32];
    assign we    = wr_valid_i && birrd_valid_i[i] && lane_hit[i] && !wr_err && ok_i;
    feather_mem #(.DEPTH(OD), .DW(32), .SYNC(0)) u_obuf (
      .clk_i  (clk_i),
      .we_i   (we),
      .waddr_i(OAW'(wline)),
      .wdata_i(sum),
      .raddr_i(OAW'(wline)),
      .rdata_o(old)
    );
    if (OAW < LA) begin : g_unused_line
      logic unused_wline;
      assign unused_wline = ^wline[LA-1:OAW];
    end
    feather_quant_lane #(.AW(AW), .QD(QD)) u_quant (
      .clk_i     (clk_i),
      .sc_we_i   (qt_sc_we),
      .sc_waddr_i(qt_sc_waddr),
      .zp_we_i   (qt_zp_we),
      .zp_waddr_i(qt_zp_waddr),
      .lut_we_i  (qt_lut_we),
      .lut_waddr_i(qt_lut_waddr),
      .lut_i     (lut_i),
      .wdata_i   (ld_data_i),
      .qn_i      (QW'(lane_n[i])),
      .v_i       (sum),
      .lo_i      (qlo_i),
      .hi_i      (qhi_i),
      .q_o       (q_data_o[i*8 +: 8])
    );
    assign ob_we_o[i]            = we;
    assign wline_o[i*LA +: LA]   = wline;
    assign qline_o[i*LA +: LA]   = wline + qoff_i;
    assign q_we_o[i]             = we && wr_quant_i;
  end

endmodule
