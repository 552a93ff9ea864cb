// feather_stream_engine: the ExecuteStreaming (ES) engine of the FEATHER top.
//
// do_i starts an ES {m0, sm, T, acc, quant, cmd, mask} with mapping context
// ctx_sel_i. It runs T steps (m = m0, m0 + sm, ...) of vn beats (e = 0 ..
// vn-1): in each beat column c reads element e of the streaming VN (m + rep,
// j0 + kg) from the streaming buffer (layout lay_i; kg = c >> grlog, rep =
// (c mod 2^grlog) >> gclog) and, the cycle after the read, feeds it to NEST
// (zero point zpa_i for VNs out of range). An index past XW bits is out of
// range (movf: m0 + sm*t has passed 2^XW). Two columns reading different
// lines of one bank is a streaming bank conflict: the engine stops and
// reports conflict_o; so does any error (ok_i low).
//
// Window (direct convolution, win_i on): column c's VN is instead (iy*iw +
// ix, j0 + kg) with iy = iy0 and ix = ix0 + (sm*t + rep)*stride, and a
// column whose (iy, ix) falls outside the ih x iw image reads nothing
// (padding: the zero point, no buffer access). The step base x is kept as a
// running sum (ixb += sm*stride per step); once past 2^XW it stays out of the
// image (xpast).
//
// At the last beat of a step (step_o) the step's metadata {ctx, m, acc,
// quant, cmd, mask} goes to feather_meta_pipe, one entry per row 0 ..
// step_vnm1_o. cur_vnm1_o is the vn of the stream in NEST (its PE row mask
// and reduction length).

module feather_stream_engine #(
  parameter int  AH     = 4,
  parameter int  AW     = 4,
  parameter int  WIRING = 1,
  parameter int  SD     = 64,
  parameter int  WD     = 64,
  parameter int  OD     = 64,
  localparam int AWL    = $clog2(AW),
  localparam int LA     = feather_pkg::line_width(SD, WD, OD),
  localparam int XW     = feather_pkg::index_width(AW, SD, WD, OD),
  localparam int GLW    = feather_pkg::glog_width(AW),
  localparam int VW     = feather_pkg::vn_width(AH),
  localparam int CW     = feather_pkg::birrd_stages(AW, WIRING) * AW,
  localparam int LYW    = feather_pkg::layout_width(XW, LA),
  localparam int CTXW   = feather_pkg::ctx_width(XW, AW, AH),
  localparam int WINW   = feather_pkg::win_width(XW)
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              ok_i,          // no error raised
  // ExecuteStreaming.
  input  logic              do_i,
  input  logic              ctx_sel_i,
  input  logic [XW-1:0]     m0_i,
  input  logic [XW-1:0]     sm_i,
  input  logic [XW-1:0]     t_i,
  input  logic              acc_i,
  input  logic              quant_i,
  input  logic [CW-1:0]     cmd_i,
  input  logic [AW-1:0]     mask_i,
  input  logic [2*CTXW-1:0] ctx_i,
  input  logic [LYW-1:0]    lay_i,         // streaming layout
  input  logic [WINW-1:0]   win_i,         // its window {stride, iw, ih, on}
  input  logic [XW:0]       iy0_i,         // window origin (two's complement)
  input  logic [XW:0]       ix0_i,
  input  logic [7:0]        zpa_i,
  // Streaming buffer reads.
  output logic [AW*LA-1:0]  bank_line_o,   // line read from each bank
  input  logic [AW*8-1:0]   sb_rdata_i,    // the banks' data, the cycle after
  // Status.
  output logic              busy_o,
  output logic              ctx_o,
  output logic              last_step_o,   // issuing the final beat of the ES
  output logic              conflict_o,
  output logic              beat_valid_o,  // a beat is on NEST's inputs
  output logic              beat_ctx_o,
  output logic [VW-1:0]     cur_vnm1_o,
  // NEST stream inputs.
  output logic [AW*8-1:0]   act_o,
  output logic [AW-1:0]     act_valid_o,
  output logic [AW-1:0]     act_bank_o,
  output logic [AH*AW-1:0]  pe_mask_o,
  // Metadata of a finished step (feather_meta_pipe).
  output logic              step_o,
  output logic [VW-1:0]     step_vnm1_o,
  output logic [XW-1:0]     step_m_o,
  output logic              step_movf_o,
  output logic              step_acc_o,
  output logic              step_quant_o,
  output logic [CW-1:0]     step_cmd_o,
  output logic [AW-1:0]     step_mask_o
);

  logic          st_busy_q /* verilator public_flat_rd */;
  logic          st_ctx_q;
  logic [XW-1:0] st_mbase_q, st_sm_q, st_tleft_q;
  logic          st_movf_q;  // m0 + sm*t has passed 2^XW (every later index is out of range)
  logic [VW-1:0] st_e_q;
  logic          st_acc_q, st_quant_q;
  logic [CW-1:0] st_cmd_q;
  logic [AW-1:0] st_mask_q;
  logic [VW-1:0] cur_vnm1_q;  // vn of the stream in NEST (pe_mask, red_len)
  logic          beat_valid_q /* verilator public_flat_rd */;
  logic          beat_ctx_q;
  logic signed [XW:0] st_iy_q, st_ixb_q;  // window row and the step base's x
  logic          st_xpast_q;              // the step base's x has passed 2^XW

  // The running ES's context (fields at feather_pkg's context offsets).
  localparam int J0Lsb    = feather_pkg::CtxJ0Lsb;
  localparam int N0Lsb    = feather_pkg::ctx_n0_lsb(XW);
  localparam int GrlogLsb = feather_pkg::ctx_grlog_lsb(XW);
  localparam int GclogLsb = feather_pkg::ctx_gclog_lsb(XW, AW);
  localparam int Vnm1Lsb  = feather_pkg::ctx_vnm1_lsb(XW, AW);
  logic [CTXW-1:0] ctx;
  logic [XW-1:0]   ctx_j0;
  logic [GLW-1:0]  ctx_grlog, ctx_gclog;
  logic [VW-1:0]   ctx_vnm1;
  assign ctx       = st_ctx_q ? ctx_i[CTXW +: CTXW] : ctx_i[0 +: CTXW];  // a 2:1 mux
  assign ctx_j0    = ctx[J0Lsb +: XW];
  assign ctx_grlog = ctx[GrlogLsb +: GLW];
  assign ctx_gclog = ctx[GclogLsb +: GLW];
  assign ctx_vnm1  = ctx[Vnm1Lsb +: VW];
  logic unused_ctx_n0;  // n0 only places outputs (write unit)
  assign unused_ctx_n0 = ^ctx[N0Lsb +: XW];

  logic st_last_beat;
  assign st_last_beat = st_busy_q && (st_e_q == ctx_vnm1);
  assign last_step_o  = st_last_beat && (st_tleft_q == XW'(1));

  ///////////////////////////
  // Addresses             //
  ///////////////////////////

  logic [AW*XW-1:0] sa_a, sa_b;  // m and j of each column's IVN
  logic [AW-1:0]    sa_ovf;

  // The window.
  localparam int WSW = feather_pkg::WinStW;
  logic           win_on;
  logic [XW-1:0]  win_ih, win_iw;
  logic [WSW-1:0] win_st;
  assign win_on = win_i[0];
  assign win_ih = win_i[1 +: XW];
  assign win_iw = win_i[1 + XW +: XW];
  assign win_st = win_i[1 + 2*XW +: WSW];
  logic              win_row_in;  // 0 <= iy < ih
  logic [2*XW-1:0]   win_row;     // iy * iw
  logic [XW+WSW-1:0] win_xstep;   // sm * stride
  logic signed [XW+4:0] win_xnext;  // the next step base's x
  assign win_row_in = !st_iy_q[XW] && (st_iy_q[XW-1:0] < win_ih);
  assign win_row    = (2*XW)'(st_iy_q[XW-1:0]) * (2*XW)'(win_iw);
  assign win_xstep  = (XW+WSW)'(st_sm_q) * (XW+WSW)'(win_st);
  assign win_xnext  = (XW+5)'(st_ixb_q) + $signed({2'b00, win_xstep});

  for (genvar c = 0; c < AW; c++) begin : g_addr
    logic [AWL-1:0] kg, x, rep;
    logic [XW+1:0]  sa_bw, sa_aw;  // exact sums (an index past XW bits is out of range)
    assign kg = AWL'(c >> ctx_grlog);
    assign x = AWL'(c) & AWL'((AW'(1) << ctx_grlog) - AW'(1));
    assign rep = x >> ctx_gclog;
    assign sa_bw = (XW+2)'(ctx_j0) + (XW+2)'(kg);
    assign sa_aw = (XW+2)'(st_mbase_q) + (XW+2)'(rep);
    // The window's pixel: x = step base + rep*stride, inside the image or padding.
    logic signed [XW+2:0] wx;
    logic                 wx_in;
    logic [2*XW:0]        wa;
    assign wx    = (XW+3)'(st_ixb_q) + $signed({3'b000, (XW)'(rep) * (XW)'(win_st)});
    assign wx_in = !st_xpast_q && !wx[XW+2] && (wx[XW+1:0] < (XW+2)'(win_iw));
    assign wa    = (2*XW+1)'(win_row) + (2*XW+1)'(wx[XW-1:0]);
    assign sa_a[c*XW +: XW] = win_on ? wa[XW-1:0] : sa_aw[XW-1:0];
    assign sa_b[c*XW +: XW] = sa_bw[XW-1:0];
    assign sa_ovf[c] = (sa_bw[XW+1:XW] != 2'b00) ||
                       (win_on ? (!win_row_in || !wx_in || (wa[2*XW:XW] != '0))
                               : (st_movf_q || (sa_aw[XW+1:XW] != 2'b00)));
  end

  feather_vn_reader #(.AW(AW), .AH(AH), .LA(LA)) u_reader (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .en_i       (st_busy_q),
    .lay_i      (lay_i),
    .a_i        (sa_a),
    .b_i        (sa_b),
    .ovf_i      (sa_ovf),
    .e_i        (st_e_q),
    .bank_line_o(bank_line_o),
    .conflict_o (conflict_o),
    .rdata_i    (sb_rdata_i),
    .zp_i       (zpa_i),
    .data_o     (act_o)
  );

  ///////////////////////////
  // Sequencing            //
  ///////////////////////////

  logic st_issue;
  assign st_issue = st_busy_q && !conflict_o && ok_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_busy_q    <= 1'b0;
      st_ctx_q     <= 1'b0;
      st_mbase_q   <= '0;
      st_movf_q    <= 1'b0;
      st_sm_q      <= '0;
      st_tleft_q   <= '0;
      st_e_q       <= '0;
      st_acc_q     <= 1'b0;
      st_quant_q   <= 1'b0;
      st_cmd_q     <= '0;
      st_mask_q    <= '0;
      cur_vnm1_q   <= '0;
      beat_valid_q <= 1'b0;
      beat_ctx_q   <= 1'b0;
      st_iy_q      <= '0;
      st_ixb_q     <= '0;
      st_xpast_q   <= 1'b0;
    end else begin
      beat_valid_q <= st_issue;
      beat_ctx_q   <= st_ctx_q;
      if (do_i) begin
        st_busy_q  <= 1'b1;
        st_ctx_q   <= ctx_sel_i;
        st_mbase_q <= m0_i;
        st_movf_q  <= 1'b0;
        st_sm_q    <= sm_i;
        st_tleft_q <= t_i;
        st_e_q     <= '0;
        st_acc_q   <= acc_i;
        st_quant_q <= quant_i;
        st_cmd_q   <= cmd_i;
        st_mask_q  <= mask_i;
        st_iy_q    <= iy0_i;
        st_ixb_q   <= ix0_i;
        st_xpast_q <= 1'b0;
        cur_vnm1_q <= ctx_sel_i ? ctx_i[CTXW + Vnm1Lsb +: VW] : ctx_i[Vnm1Lsb +: VW];
      end else if (st_busy_q && (!ok_i || conflict_o)) begin
        st_busy_q <= 1'b0;
      end else if (st_issue) begin
        if (st_last_beat) begin
          st_e_q     <= '0;
          {st_movf_q, st_mbase_q} <= {1'b0, st_mbase_q} + {1'b0, st_sm_q} |
                                     {st_movf_q, {XW{1'b0}}};
          st_tleft_q <= st_tleft_q - XW'(1);
          st_ixb_q   <= win_xnext[XW:0];
          st_xpast_q <= st_xpast_q || (win_xnext >= $signed((XW+5)'(1) << XW));
          if (last_step_o) begin
            st_busy_q <= 1'b0;
          end
        end else begin
          st_e_q <= st_e_q + 1'b1;
        end
      end
    end
  end

  assign busy_o       = st_busy_q;
  assign ctx_o        = st_ctx_q;
  assign beat_valid_o = beat_valid_q;
  assign beat_ctx_o   = beat_ctx_q;
  assign cur_vnm1_o   = cur_vnm1_q;

  // NEST stream inputs (the cycle after the read).
  always_comb begin
    for (int c = 0; c < AW; c++) begin
      act_valid_o[c]  = beat_valid_q;
      act_bank_o[c]   = beat_ctx_q;
      for (int r = 0; r < AH; r++) begin
        pe_mask_o[c*AH + r] = (r <= 32'(cur_vnm1_q));
      end
    end
  end

  // The step's metadata.
  assign step_o       = st_issue && st_last_beat;
  assign step_vnm1_o  = ctx_vnm1;
  assign step_m_o     = st_mbase_q;
  assign step_movf_o  = st_movf_q;
  assign step_acc_o   = st_acc_q;
  assign step_quant_o = st_quant_q;
  assign step_cmd_o   = st_cmd_q;
  assign step_mask_o  = st_mask_q;

endmodule
