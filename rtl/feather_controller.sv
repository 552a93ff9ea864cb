// feather_controller: instruction buffer, dispatch, architectural state and
// error priority of the FEATHER top (docs/isa.md).
//
// Instruction buffer: instr_i is registered into a one-entry buffer
// (instr_ready_o depends on registers only); feather_decoder decodes the
// buffered instruction (ibuf_o) and it is consumed when its resources are
// free. Field, state and range errors are detected at dispatch: the
// instruction is consumed, err_o is set and nothing else is accepted until
// reset (such an instruction waits until every engine is idle). Config is a
// barrier. Every other instruction waits only for the engines whose state it
// changes or reads (docs/isa.md, "Interlocks"): Set*Layout for the engine
// that reads that layout, Load/Store for the engines that share its buffer
// port or whose lines it reads or writes, ExecuteMapping (EM) and
// ExecuteStreaming (ES) for a Load/Store they depend on. EM and ES overlap:
// EM loads the stationary bank of mapping context em_ctx_o (0/1,
// alternating) while ES streams the other context.
//
// Architectural state: the three layouts (0 = stationary W, 1 = streaming I,
// 2 = output O; packed as feather_pkg's layout descriptor, lay_o[l*LYW +:
// LYW]), the two mapping contexts (feather_pkg's context descriptor,
// ctx_o[k*CTXW +: CTXW]), the zero points, the active streaming half and the
// error code.

module feather_controller #(
  parameter int  AH     = 4,
  parameter int  AW     = 4,
  parameter int  WIRING = 1,
  parameter int  SD     = 64,
  parameter int  WD     = 64,
  parameter int  OD     = 64,
  parameter int  QD     = 64,
  parameter int  MAW    = 24,
  localparam int AWL    = $clog2(AW),
  localparam int AHL    = $clog2(AH),
  localparam int LA     = feather_pkg::line_width(SD, WD, OD),
  localparam int XW     = feather_pkg::index_width(AW, SD, WD, OD),
  localparam int FLW    = feather_pkg::f0log_width(XW),
  localparam int GLW    = feather_pkg::glog_width(AW),
  localparam int VW     = feather_pkg::vn_width(AH),
  localparam int IW     = feather_pkg::instr_width(AH, AW, WIRING, SD, WD, OD, MAW),
  localparam int LYW    = feather_pkg::layout_width(XW, LA),
  localparam int CTXW   = feather_pkg::ctx_width(XW, AW, AH),
  localparam int WINW   = feather_pkg::win_width(XW)
) (
  input  logic            clk_i,
  input  logic            rst_ni,
  // Instruction stream and the buffered instruction.
  input  logic [IW-1:0]   instr_i,
  input  logic            instr_valid_i,
  output logic            instr_ready_o,
  output logic [IW-1:0]   ibuf_o,
  // Decoded fields of ibuf_o (feather_decoder).
  input  logic [feather_pkg::OpW-1:0] op_i,
  input  logic [2:0]      order_i,
  input  logic [FLW-1:0]  f0log_i,
  input  logic [XW-1:0]   f1_i,
  input  logic [XW-1:0]   f2_i,
  input  logic [LA-1:0]   base_i,
  input  logic [WINW-1:0] win_i,           // SetIVNLayout's window {stride, iw, ih, on}
  input  logic [LA-1:0]   qoff_i,          // SetOVNLayout's requantized-image line offset
  input  logic [XW-1:0]   t_i,
  input  logic            quant_i,
  input  logic [feather_pkg::TgtW-1:0] tgt_i,
  input  logic [LA-1:0]   line_i,
  input  logic [XW-1:0]   count_i,
  input  logic [7:0]      zpa_i,
  input  logic [7:0]      zpw_i,
  input  logic            swap_i,
  input  logic            clamp_i,
  input  logic [7:0]      qlo_i,
  input  logic [7:0]      qhi_i,
  input  logic            lut_i,
  input  logic [XW-1:0]   j0_i,
  input  logic [XW-1:0]   n0_i,
  input  logic [GLW-1:0]  grlog_i,
  input  logic [GLW-1:0]  gclog_i,
  input  logic [VW-1:0]   vnm1_i,
  // Engine status.
  input  logic            mem_busy_i,
  input  logic            em_idle_i,       // EM engine: not busy, nothing in flight to NEST
  input  logic            em_done_i,       // the EM engine's last PE write lands next cycle
  input  logic            em_ctx_i,
  input  logic            em_conflict_i,   // stationary bank conflict (EM engine busy)
  input  logic            st_busy_i,
  input  logic            st_last_step_i,  // the stream engine issues its final beat
  input  logic            st_ctx_i,
  input  logic            st_conflict_i,   // streaming bank conflict (stream engine busy)
  input  logic            beat_valid_i,
  input  logic            beat_ctx_i,
  input  logic [VW-1:0]   cur_vnm1_i,      // vn of the stream in NEST
  input  logic            md_any_i,        // outputs in flight (metadata pipeline)
  input  logic [1:0]      md_ctx_busy_i,   // ... computed with mapping context 0 / 1
  input  logic            md_quant_i,      // ... that write requantized bytes
  input  logic            st_quant_i,      // the stream engine's ES requantizes
  input  logic            mem_store_i,     // the memory engine's operation (while busy)
  input  logic [feather_pkg::TgtW-1:0] mem_tgt_i,
  input  logic            wr_valid_i,      // output checks (write unit)
  input  logic            wr_oconflict_i,
  input  logic            wr_omissing_i,
  input  logic            wr_qrange_i,
  // Dispatch.
  output logic            do_ls_o,         // start a Load/Store
  output logic            do_em_o,         // start an ExecuteMapping into em_ctx_next_o
  output logic            em_ctx_next_o,
  output logic            do_es_o,         // start an ExecuteStreaming with map_ctx_o
  // Architectural state.
  output logic [3*LYW-1:0]  lay_o,
  output logic [2:0]        lay_valid_o,
  output logic [WINW-1:0]   win_o,         // the window of LI (direct convolution)
  output logic [LA-1:0]     qoff_o,        // LO's qoff (requantized bytes go to line + qoff)
  output logic [2*CTXW-1:0] ctx_o,
  output logic              map_valid_o,
  output logic              map_ctx_o,
  output logic [7:0]        zpa_o,
  output logic [7:0]        zpw_o,
  output logic [7:0]        qlo_o,           // requantization clamp
  output logic [7:0]        qhi_o,
  output logic              lut_o,           // requantized bytes through the activation table
  output logic              half_o,
  output logic [feather_pkg::ErrW-1:0] err_o,
  output logic              idle_o
);

  localparam int TW   = 3 * XW + 2;  // layout total F0*F1*F2
  localparam int AHM1 = AH - 1;
  localparam int LA1  = LA + 1;     // a line count or an end line
  // Lowest bit of each mapping-context field (feather_pkg's context descriptor).
  localparam int J0Lsb    = feather_pkg::CtxJ0Lsb;
  localparam int N0Lsb    = feather_pkg::ctx_n0_lsb(XW);
  localparam int GrlogLsb = feather_pkg::ctx_grlog_lsb(XW);
  localparam int GclogLsb = feather_pkg::ctx_gclog_lsb(XW, AW);
  localparam int Vnm1Lsb  = feather_pkg::ctx_vnm1_lsb(XW, AW);

  ///////////////////////////
  // State                 //
  ///////////////////////////

  logic [IW-1:0] ibuf_q;
  logic          ibuf_valid_q;

  logic [feather_pkg::ErrW-1:0] err_q, err_d;
  logic       lay_o_fits_sd_q;  // the output layout's lines also exist in the streaming buffer
  logic       pend_s_q, pend_w_q;  // a conflict waits for older work before it is reported
  logic [7:0] zpa_q, zpw_q, qlo_q, qhi_q;
  logic       lut_q;
  logic       half_q /* verilator public_flat_rd */;

  (* mem2reg *)
  logic           lay_valid_q [3];
  (* mem2reg *)
  logic [FLW-1:0] lay_f0log_q [3];
  (* mem2reg *)
  logic [XW-1:0]  lay_f1_q    [3];
  (* mem2reg *)
  logic [XW-1:0]  lay_f2_q    [3];
  (* mem2reg *)
  logic [LA-1:0]  lay_base_q  [3];
  (* mem2reg *)
  logic [XW-1:0]  lay_st0_q   [3];
  (* mem2reg *)
  logic [XW-1:0]  lay_st1_q   [3];
  (* mem2reg *)
  logic [XW-1:0]  lay_st2_q   [3];
  (* mem2reg *)
  logic [LA-1:0]  lay_last_q  [3];  // the layout's last line
  logic [WINW-1:0] win_q;           // LI's window
  logic [LA-1:0]  qoff_q;           // LO's qoff
  // Lines [ls_lo_q, ls_hi_q) of the memory engine's Load/Store.
  logic [LA-1:0]  ls_lo_q;
  logic [LA1-1:0]    ls_hi_q;

  logic           map_valid_q;   // an EM has been executed
  logic           map_ctx_q;     // context of the latest EM
  (* mem2reg *)
  logic [XW-1:0]  ctx_j0_q    [2];
  (* mem2reg *)
  logic [XW-1:0]  ctx_n0_q    [2];
  (* mem2reg *)
  logic [GLW-1:0] ctx_grlog_q [2];
  (* mem2reg *)
  logic [GLW-1:0] ctx_gclog_q [2];
  (* mem2reg *)
  logic [VW-1:0]  ctx_vnm1_q  [2];
  logic [1:0]     ctx_ld_done_q;

  always_comb begin
    for (int l = 0; l < 3; l++) begin
      lay_valid_o[l] = lay_valid_q[l];
      lay_o[l*LYW +: LYW] = {lay_st2_q[l], lay_st1_q[l], lay_st0_q[l], lay_base_q[l],
                             lay_f2_q[l], lay_f1_q[l], lay_f0log_q[l]};
    end
    for (int k = 0; k < 2; k++) begin
      ctx_o[k*CTXW + J0Lsb    +: XW]  = ctx_j0_q[k];
      ctx_o[k*CTXW + N0Lsb    +: XW]  = ctx_n0_q[k];
      ctx_o[k*CTXW + GrlogLsb +: GLW] = ctx_grlog_q[k];
      ctx_o[k*CTXW + GclogLsb +: GLW] = ctx_gclog_q[k];
      ctx_o[k*CTXW + Vnm1Lsb  +: VW]  = ctx_vnm1_q[k];
    end
  end
  assign win_o       = win_q;
  assign qoff_o      = qoff_q;
  assign map_valid_o = map_valid_q;
  assign map_ctx_o   = map_ctx_q;
  assign zpa_o       = zpa_q;
  assign zpw_o       = zpw_q;
  assign qlo_o       = qlo_q;
  assign qhi_o       = qhi_q;
  assign lut_o       = lut_q;
  assign half_o      = half_q;
  assign err_o       = err_q;
  assign ibuf_o      = ibuf_q;

  logic engines_idle;
  assign engines_idle = !mem_busy_i && em_idle_i && !st_busy_i && !beat_valid_i && !md_any_i;
  assign idle_o = engines_idle &&
                  ((err_q != feather_pkg::ErrNone) || (!ibuf_valid_q && !pend_s_q && !pend_w_q));

  ///////////////////////////
  // Dispatch checks       //
  ///////////////////////////

  // The window: only on the streaming layout, with a stride and both sides nonzero.
  logic          set_win_on, set_win_ok;
  logic [XW-1:0] set_win_ih, set_win_iw;
  logic [feather_pkg::WinStW-1:0] set_win_st;
  assign set_win_on = win_i[0];
  assign set_win_ih = win_i[1 +: XW];
  assign set_win_iw = win_i[1 + XW +: XW];
  assign set_win_st = win_i[1 + 2*XW +: feather_pkg::WinStW];
  assign set_win_ok = !set_win_on || ((op_i == feather_pkg::OpSetI) && (set_win_ih != '0) &&
                                      (set_win_iw != '0) && (set_win_st != '0));

  // Layout legality for Set*Layout: last line below the buffer depth.
  logic [TW-1:0] set_total;
  logic [TW-1:0] set_last;
  logic [TW-1:0] set_depth;
  logic          set_field_ok, set_range_ok;
  always_comb begin
    set_total    = (TW'(1) << f0log_i) * TW'(f1_i) * TW'(f2_i);
    set_last     = TW'(base_i) + (((set_total - TW'(1)) >> AWL) << AHL) + TW'(AHM1);
    unique case (op_i)
      feather_pkg::OpSetW: set_depth = TW'(WD);
      feather_pkg::OpSetI: set_depth = TW'(SD);
      default:             set_depth = TW'(OD);
    endcase
    set_field_ok = (order_i <= feather_pkg::LastOrder) && (32'(f0log_i) <= 32'(XW - 1)) &&
                   (f1_i != '0) && (f2_i != '0) && set_win_ok &&
                   ((qoff_i == '0) || (op_i == feather_pkg::OpSetO));
    set_range_ok = (set_last < set_depth);
  end

  // Strides of the digits for a layout being set.
  logic [XW-1:0] set_st0, set_st1, set_st2, set_f0;
  always_comb begin
    set_f0  = XW'(1) << f0log_i;
    set_st0 = XW'(1);
    set_st1 = XW'(1);
    set_st2 = XW'(1);
    unique case (order_i)
      3'd0: begin set_st2 = set_f0 * f1_i; set_st0 = f1_i;   set_st1 = XW'(1); end
      3'd1: begin set_st2 = set_f0 * f1_i; set_st1 = set_f0; set_st0 = XW'(1); end
      3'd2: begin set_st0 = f2_i * f1_i;   set_st2 = f1_i;   set_st1 = XW'(1); end
      3'd3: begin set_st0 = f1_i * f2_i;   set_st1 = f2_i;   set_st2 = XW'(1); end
      3'd4: begin set_st1 = f2_i * set_f0; set_st2 = set_f0; set_st0 = XW'(1); end
      3'd5: begin set_st1 = set_f0 * f2_i; set_st0 = f2_i;   set_st2 = XW'(1); end
      default: begin set_st0 = XW'(1); set_st1 = XW'(1); set_st2 = XW'(1); end
    endcase
  end

  // Load/Store target size (lines or table words).
  localparam int LutLines = feather_pkg::lut_lines(AW);
  logic [31:0] ls_size;
  logic        ls_tgt_ok;
  always_comb begin
    ls_tgt_ok = 1'b1;
    unique case (tgt_i)
      feather_pkg::TgtWbuf:     ls_size = 32'(WD);
      feather_pkg::TgtSbufCur:  ls_size = 32'(SD);
      feather_pkg::TgtSbufNext: ls_size = 32'(SD);
      feather_pkg::TgtScale:    ls_size = 32'(QD * 4 / AW);
      feather_pkg::TgtOzp:      ls_size = 32'(QD / AW);
      feather_pkg::TgtLut:      ls_size = 32'(LutLines);
      default: begin ls_size = 32'd0; ls_tgt_ok = 1'b0; end
    endcase
    if ((op_i == feather_pkg::OpStore) && (tgt_i > feather_pkg::TgtSbufNext)) begin
      ls_tgt_ok = 1'b0;
    end
  end

  // ES may start when the stream engine is idle or issuing its final beat.
  logic st_can_take;
  assign st_can_take = !st_busy_i || st_last_step_i;

  // The context an EM writes is free once no stream or output uses it.
  logic em_ctx_free;
  assign em_ctx_next_o = map_valid_q ? !map_ctx_q : 1'b0;
  assign em_ctx_free   = !((st_busy_i || beat_valid_i) && (st_ctx_i == em_ctx_next_o ||
                           beat_ctx_i == em_ctx_next_o)) && !md_ctx_busy_i[em_ctx_next_o];

  // grlog above AWL is only encodable when GLW bits reach beyond AWL.
  logic grlog_bad;
  if (((1 << GLW) - 1) > AWL) begin : g_grlog_chk
    assign grlog_bad = (32'(grlog_i) > AWL);
  end else begin : g_grlog_nochk
    assign grlog_bad = 1'b0;
  end

  ///////////////////////////
  // Interlocks            //
  ///////////////////////////

  // Requantized bytes are still to be written to the inactive streaming half (its write port
  // and the requantization tables are in use).
  logic q_busy;
  assign q_busy = (st_busy_i && st_quant_i) || md_quant_i;

  // Whether lines [lo, hi) (not empty) meet lines [first, last].
  function automatic logic meets(input logic [LA1-1:0] lo, input logic [LA1-1:0] hi,
                                 input logic valid, input logic [LA1-1:0] first,
                                 input logic [LA1-1:0] last);
    meets = valid && (lo < hi) && (lo <= last) && (first < hi);
  endfunction

  // The buffered Load/Store's lines, and the memory engine's, against the three layouts
  // (0 = W, 1 = I, 2 = O: the lines of the inactive half that LO's quant streams write, shifted
  // by its qoff).
  logic [2:0] in_meets, mem_meets;
  for (genvar l = 0; l < 3; l++) begin : g_meets
    logic [LA1-1:0] first, last;
    assign first = LA1'(lay_base_q[l]) + ((l == 2) ? LA1'(qoff_q) : LA1'(0));
    assign last  = LA1'(lay_last_q[l]) + ((l == 2) ? LA1'(qoff_q) : LA1'(0));
    assign in_meets[l]  = meets(LA1'(line_i), LA1'(line_i) + LA1'(count_i), lay_valid_q[l],
                                first, last);
    assign mem_meets[l] = meets(LA1'(ls_lo_q), ls_hi_q, lay_valid_q[l], first, last);
  end

  // The buffered Load/Store may start: the memory engine is free, and no work in flight
  // shares a port with it or has still to read lines it writes or to write lines it reads:
  //   stationary buffer: a Store shares the read port with the EM engine, a Load must not
  //     overwrite the lines of LW while the EM engine reads;
  //   active half: a Store shares the read port with the stream engine, a Load must not
  //     overwrite the lines of LI while it streams;
  //   inactive half: a Load shares the write port with the requantized outputs, a Store must
  //     not read the lines of LO before they are written;
  //   tables: read by the requantization.
  // (Single bits for the always_comb blocks below: Icarus 11 does not take constant selects
  // there.)
  logic in_meets_w, in_meets_i, in_meets_o, mem_meets_i, mem_meets_o;
  assign in_meets_w  = in_meets[0];
  assign in_meets_i  = in_meets[1];
  assign in_meets_o  = in_meets[2];
  assign mem_meets_i = mem_meets[1];
  assign mem_meets_o = mem_meets[2];
  logic ls_store, ls_can_go;
  assign ls_store = (op_i == feather_pkg::OpStore);
  always_comb begin
    ls_can_go = !mem_busy_i;
    unique case (tgt_i)
      feather_pkg::TgtWbuf:
        ls_can_go = ls_can_go && !(!em_idle_i && (ls_store || in_meets_w));
      feather_pkg::TgtSbufCur:
        ls_can_go = ls_can_go && !(st_busy_i && (ls_store || in_meets_i));
      feather_pkg::TgtSbufNext:
        ls_can_go = ls_can_go && !(q_busy && (!ls_store || in_meets_o));
      default:
        ls_can_go = ls_can_go && !q_busy;
    endcase
  end

  // The memory engine's operation that an EM waits for: a Store of the stationary buffer (read
  // port), a Load into LW's lines. The one an ES waits for: a Store of the active half (read
  // port), a Load into LI's lines of it; with quant also a Load into the inactive half (write
  // port) or a table, and a Store of LO's lines of the inactive half (they would be
  // overwritten before they are read).
  logic mem_blocks_em, mem_blocks_es;
  assign mem_blocks_em = mem_busy_i && (mem_tgt_i == feather_pkg::TgtWbuf) &&
                         (mem_store_i || mem_meets[0]);
  always_comb begin
    unique case (mem_tgt_i)
      feather_pkg::TgtWbuf:     mem_blocks_es = 1'b0;
      feather_pkg::TgtSbufCur:  mem_blocks_es = mem_store_i || mem_meets_i;
      feather_pkg::TgtSbufNext: mem_blocks_es = quant_i && (!mem_store_i || mem_meets_o);
      default:                  mem_blocks_es = quant_i;
    endcase
    mem_blocks_es = mem_blocks_es && mem_busy_i;
  end

  // A stream with another vn than the one in NEST waits for it to drain.
  logic es_vn_change;
  assign es_vn_change = (ctx_vnm1_q[map_ctx_q] != cur_vnm1_i) && (st_busy_i || beat_valid_i ||
                        md_any_i);

  logic       can_issue;   // the instruction may be consumed this cycle
  logic [feather_pkg::ErrW-1:0] issue_err;   // error it raises (when consumed)
  always_comb begin
    can_issue = 1'b0;
    issue_err = feather_pkg::ErrNone;
    unique case (op_i)
      feather_pkg::OpSetW, feather_pkg::OpSetI, feather_pkg::OpSetO: begin
        if (!set_field_ok) issue_err = feather_pkg::ErrField;
        else if (!set_range_ok) issue_err = feather_pkg::ErrLayoutRange;
        // The engine that reads the layout is done with it: the EM engine (W), the stream
        // engine (I), the write unit and every stream before it (O).
        if (issue_err != feather_pkg::ErrNone) can_issue = engines_idle;
        else if (op_i == feather_pkg::OpSetW) can_issue = em_idle_i;
        else if (op_i == feather_pkg::OpSetI) can_issue = !st_busy_i;
        else can_issue = !st_busy_i && !beat_valid_i && !md_any_i;
      end
      feather_pkg::OpConfig: begin
        if (clamp_i && (qlo_i > qhi_i)) issue_err = feather_pkg::ErrField;
        can_issue = engines_idle;
      end
      feather_pkg::OpLoad, feather_pkg::OpStore: begin
        if (!ls_tgt_ok) issue_err = feather_pkg::ErrField;
        else if ((33'(line_i) + 33'(count_i)) > 33'(ls_size)) issue_err = feather_pkg::ErrMemRange;
        can_issue = (issue_err != feather_pkg::ErrNone) ? engines_idle : ls_can_go;
      end
      feather_pkg::OpMap: begin
        if (grlog_bad || (gclog_i > grlog_i)) begin
          issue_err = feather_pkg::ErrField;
          can_issue = engines_idle;
        end else if (!lay_valid_q[0]) begin
          issue_err = feather_pkg::ErrState;
          can_issue = engines_idle;
        end else begin
          can_issue = !mem_blocks_em && em_idle_i && em_ctx_free;
        end
      end
      feather_pkg::OpStream: begin
        if (t_i == '0) begin
          issue_err = feather_pkg::ErrField;
          can_issue = engines_idle;
        end else if (!map_valid_q || !lay_valid_q[1] || !lay_valid_q[2]) begin
          issue_err = feather_pkg::ErrState;
          can_issue = engines_idle;
        end else if (quant_i && !lay_o_fits_sd_q) begin
          // Requantized bytes go to the streaming buffer at the output lines.
          issue_err = feather_pkg::ErrLayoutRange;
          can_issue = engines_idle;
        end else begin
          can_issue = !mem_blocks_es && st_can_take && ctx_ld_done_q[map_ctx_q] &&
                      !es_vn_change;
        end
      end
      default: ;
    endcase
  end

  ///////////////////////////
  // Instruction buffer    //
  ///////////////////////////

  logic consume;
  // Nothing is dispatched while a run-time error waits for older work to drain.
  assign consume       = ibuf_valid_q && (err_q == feather_pkg::ErrNone) && can_issue &&
                         !pend_s_q && !pend_w_q;
  assign instr_ready_o = (err_q == feather_pkg::ErrNone) && (!ibuf_valid_q || consume);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ibuf_q       <= '0;
      ibuf_valid_q <= 1'b0;
    end else if (instr_valid_i && instr_ready_o) begin
      ibuf_q       <= instr_i;
      ibuf_valid_q <= 1'b1;
    end else if (consume) begin
      ibuf_valid_q <= 1'b0;
    end
  end

  logic do_set, do_cfg, ok;
  assign ok      = consume && (issue_err == feather_pkg::ErrNone);
  assign do_set  = ok && (op_i == feather_pkg::OpSetW || op_i == feather_pkg::OpSetI ||
                          op_i == feather_pkg::OpSetO);
  assign do_cfg  = ok && (op_i == feather_pkg::OpConfig);
  assign do_ls_o = ok && (op_i == feather_pkg::OpLoad || op_i == feather_pkg::OpStore);
  assign do_em_o = ok && (op_i == feather_pkg::OpMap);
  assign do_es_o = ok && (op_i == feather_pkg::OpStream);

  ///////////////////////////
  // Error priority        //
  ///////////////////////////

  // Errors are reported in program order, as the golden model does:
  //  - output checks (the oldest work in flight) raise their error at once;
  //  - a streaming bank conflict stops the stream engine and is raised once
  //    the outputs of the earlier steps have been written and checked;
  //  - a stationary conflict stops the EM engine and is raised once the
  //    stream running before it has finished and drained;
  //  - dispatch errors wait for every engine to be idle (can_issue above).
  always_comb begin
    err_d = err_q;
    if (err_q == feather_pkg::ErrNone) begin
      if (wr_valid_i && wr_oconflict_i) err_d = feather_pkg::ErrOConflict;
      else if (wr_valid_i && wr_omissing_i) err_d = feather_pkg::ErrOMissing;
      else if (wr_valid_i && wr_qrange_i) err_d = feather_pkg::ErrQRange;
      else if (pend_s_q && !md_any_i) err_d = feather_pkg::ErrSConflict;
      else if (pend_w_q && !st_busy_i && !beat_valid_i && !md_any_i && !pend_s_q)
        err_d = feather_pkg::ErrWConflict;
      else if (consume && (issue_err != feather_pkg::ErrNone)) err_d = issue_err;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pend_s_q <= 1'b0;
      pend_w_q <= 1'b0;
    end else begin
      if (st_conflict_i) pend_s_q <= 1'b1;
      if (em_conflict_i) pend_w_q <= 1'b1;
    end
  end

  ///////////////////////////
  // Registers             //
  ///////////////////////////

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      err_q           <= feather_pkg::ErrNone;
      lay_o_fits_sd_q <= 1'b0;
      zpa_q           <= '0;
      zpw_q           <= '0;
      qlo_q           <= '0;
      qhi_q           <= 8'd255;
      lut_q           <= 1'b0;
      half_q          <= 1'b0;
      map_valid_q     <= 1'b0;
      map_ctx_q       <= 1'b0;
      ctx_ld_done_q   <= 2'b00;
      ls_lo_q         <= '0;
      ls_hi_q         <= '0;
      for (int l = 0; l < 3; l++) begin
        lay_valid_q[l] <= 1'b0;
        lay_f0log_q[l] <= '0;
        lay_f1_q[l]    <= '0;
        lay_f2_q[l]    <= '0;
        lay_base_q[l]  <= '0;
        lay_st0_q[l]   <= '0;
        lay_st1_q[l]   <= '0;
        lay_st2_q[l]   <= '0;
        lay_last_q[l]  <= '0;
      end
      win_q <= '0;
      qoff_q <= '0;
      for (int k = 0; k < 2; k++) begin
        ctx_j0_q[k]    <= '0;
        ctx_n0_q[k]    <= '0;
        ctx_grlog_q[k] <= '0;
        ctx_gclog_q[k] <= '0;
        ctx_vnm1_q[k]  <= '0;
      end
    end else begin
      err_q <= err_d;
      if (do_set && (op_i == feather_pkg::OpSetO)) begin
        lay_o_fits_sd_q <= ((set_last + TW'(qoff_i)) < TW'(SD));
        qoff_q          <= qoff_i;
      end
      if (do_set) begin
        lay_valid_q[op_i[1:0]] <= 1'b1;
        lay_f0log_q[op_i[1:0]] <= f0log_i;
        lay_f1_q[op_i[1:0]]    <= f1_i;
        lay_f2_q[op_i[1:0]]    <= f2_i;
        lay_base_q[op_i[1:0]]  <= base_i;
        lay_st0_q[op_i[1:0]]   <= set_st0;
        lay_st1_q[op_i[1:0]]   <= set_st1;
        lay_st2_q[op_i[1:0]]   <= set_st2;
        lay_last_q[op_i[1:0]]  <= LA'(set_last);
      end
      if (do_set && (op_i == feather_pkg::OpSetI)) begin
        win_q <= set_win_on ? win_i : '0;
      end
      if (do_ls_o) begin
        ls_lo_q <= line_i;
        ls_hi_q <= LA1'(line_i) + LA1'(count_i);
      end
      if (do_cfg) begin
        zpa_q <= zpa_i;
        zpw_q <= zpw_i;
        qlo_q <= clamp_i ? qlo_i : 8'd0;
        qhi_q <= clamp_i ? qhi_i : 8'd255;
        lut_q <= lut_i;
        if (swap_i) half_q <= !half_q;
      end
      if (do_em_o) begin
        map_valid_q                  <= 1'b1;
        map_ctx_q                    <= em_ctx_next_o;
        ctx_j0_q[em_ctx_next_o]      <= j0_i;
        ctx_n0_q[em_ctx_next_o]      <= n0_i;
        ctx_grlog_q[em_ctx_next_o]   <= grlog_i;
        ctx_gclog_q[em_ctx_next_o]   <= gclog_i;
        ctx_vnm1_q[em_ctx_next_o]    <= vnm1_i;
        ctx_ld_done_q[em_ctx_next_o] <= 1'b0;
      end
      if (em_done_i) begin
        ctx_ld_done_q[em_ctx_i] <= 1'b1;
      end
    end
  end

endmodule
