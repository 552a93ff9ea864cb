// feather_top: the FEATHER accelerator. NEST (AH x AW PEs) and BIRRD (AW
// lanes) with three AW-banked on-chip buffers, layout address generators, a
// controller executing the instruction set of docs/isa.md, requantization into
// the next layer's streaming buffer and an off-chip memory port.
//
// This module is wiring; each block is a module of its own (docs/architecture.md):
//   - feather_controller: the one-entry instruction buffer, dispatch, the
//     architectural state (layouts, mapping contexts, zero points, streaming
//     half, error) and the error priority; feather_decoder decodes the
//     buffered instruction for it and the engines.
//   - feather_mem_engine: Load/Store between the off-chip port and a buffer
//     or the requantization tables.
//   - feather_map_engine: ExecuteMapping, stationary buffer -> PE registers.
//   - feather_stream_engine: ExecuteStreaming, streaming buffer -> NEST.
//   - feather_meta_pipe: the metadata of the outputs in flight, applied at
//     the BIRRD input (configuration) and output (write addresses).
//   - nest_birrd: NEST and BIRRD.
//   - feather_out_engine: the output buffer, its address checks and the
//     requantization into the inactive streaming half.
//   - feather_buffers: the streaming and stationary buffers and their ports.
// Constants and sizes come from feather_pkg.
//
// Latency from a beat's address cycle c (the cycle the stream engine computes
// its address): buffer read at edge c, NEST act_i in cycle c+1, row r's column
// sum at the BIRRD input in cycle c+6+r, BIRRD output in cycle c+6+r+S.
//
// Illegal parameters stop elaboration with a named error (feather_top_error_*).

module feather_top #(
  parameter int  AH     = 4,    // NEST rows, power of two, 2..64
  parameter int  AW     = 4,    // NEST columns = BIRRD lanes = banks, power of two, 4..64
  parameter int  WIRING = 1,    // BIRRD wiring: 0 = published FEATHER, 1 = Benes
  parameter int  SD     = 64,   // streaming buffer lines per bank per half, >= AH
  parameter int  WD     = 64,   // stationary buffer lines per bank, >= AH
  parameter int  OD     = 64,   // output buffer lines per bank, >= AH
  parameter int  QD     = 64,   // requantization entries, >= AW, multiple of AW
  parameter int  MAW    = 24,   // off-chip word address width, 1..48
  parameter int  FAULT  = 0,    // 1 = fault-injection inputs are live
  localparam int STAGES = feather_pkg::birrd_stages(AW, WIRING),
  localparam int LA     = feather_pkg::line_width(SD, WD, OD),
  localparam int XW     = feather_pkg::index_width(AW, SD, WD, OD),
  localparam int FLW    = feather_pkg::f0log_width(XW),
  localparam int GLW    = feather_pkg::glog_width(AW),
  localparam int VW     = feather_pkg::vn_width(AH),
  localparam int CW     = STAGES * AW,
  localparam int BW     = AW * 8,
  localparam int IW     = feather_pkg::instr_width(AH, AW, WIRING, SD, WD, OD, MAW)
) (
  input  logic           clk_i,
  input  logic           rst_ni,
  // Instruction stream.
  input  logic [IW-1:0]  instr_i,
  input  logic           instr_valid_i,
  output logic           instr_ready_o,
  // Off-chip memory port.
  output logic           mem_req_valid_o,
  input  logic           mem_req_ready_i,
  output logic           mem_req_we_o,
  output logic [MAW-1:0] mem_req_addr_o,
  output logic [BW-1:0]  mem_req_wdata_o,
  input  logic           mem_rsp_valid_i,
  output logic           mem_rsp_ready_o,
  input  logic [BW-1:0]  mem_rsp_rdata_i,
  // Status.
  output logic           idle_o,
  output logic [feather_pkg::ErrW-1:0] err_o,
  // Fault injection (FAULT = 1 only; ignored otherwise).
  input  logic [CW-1:0]  fault_cmd_i,
  input  logic [LA-1:0]  fault_addr_i
);

  ///////////////////////////
  // Parameter legality    //
  ///////////////////////////

  localparam bit AhOk     = (AH >= 2) && (AH <= 64) && ((AH & (AH - 1)) == 0);
  localparam bit AwOk     = (AW >= 4) && (AW <= 64) && ((AW & (AW - 1)) == 0);
  localparam bit DepthOk  = (SD >= AH) && (WD >= AH) && (OD >= AH);
  localparam bit QdOk     = (QD >= AW) && ((QD % AW) == 0);
  localparam bit MawOk    = (MAW >= 1) && (MAW <= 48);
  localparam bit FaultOk  = (FAULT == 0) || (FAULT == 1);
  localparam bit ParamsOk = AhOk && AwOk && DepthOk && QdOk && MawOk && FaultOk;

  if (!AhOk) begin : g_err_ah
    feather_top_error_AH_must_be_a_power_of_two_2_to_64 u_err ();
  end
  if (!AwOk) begin : g_err_aw
    feather_top_error_AW_must_be_a_power_of_two_4_to_64 u_err ();
  end
  if (!DepthOk) begin : g_err_depth
    feather_top_error_SD_WD_OD_must_be_at_least_AH u_err ();
  end
  if (!QdOk) begin : g_err_qd
    feather_top_error_QD_must_be_a_multiple_of_AW u_err ();
  end
  if (!MawOk) begin : g_err_maw
    feather_top_error_MAW_must_be_1_to_48 u_err ();
  end
  if (!FaultOk) begin : g_err_fault
    feather_top_error_FAULT_must_be_0_or_1 u_err ();
  end

  localparam int LYW  = feather_pkg::layout_width(XW, LA);
  localparam int CTXW = feather_pkg::ctx_width(XW, AW, AH);
  localparam int WINW = feather_pkg::win_width(XW);
  localparam int RW   = (AH > 1) ? $clog2(AH) : 1;

  ///////////////////////////
  // Controller            //
  ///////////////////////////

  logic [IW-1:0]  ibuf;
  logic [feather_pkg::OpW-1:0] op;
  logic [2:0]     order;
  logic [feather_pkg::TgtW-1:0] tgt;
  logic [FLW-1:0] f0log;
  logic [XW-1:0]  f1, f2, m0, sm, t, count, j0, n0;
  logic [LA-1:0]  base, line, qoff_set, qoff;  // SetOVNLayout's qoff; LO's
  logic           acc, quant, swap;
  logic [CW-1:0]  cmd;
  logic [AW-1:0]  mask;
  logic [WINW-1:0] win_set, win;  // SetIVNLayout's window; LI's window
  logic [XW:0]     iy0, ix0;
  logic [MAW-1:0] addr;
  logic [7:0]     zpa_f, zpw_f, qlo_f, qhi_f;
  logic           clamp_f, lut_f;
  logic [GLW-1:0] grlog, gclog;
  logic [VW-1:0]  vnm1;

  feather_decoder #(
    .AH(AH), .AW(AW), .WIRING(WIRING), .SD(SD), .WD(WD), .OD(OD), .MAW(MAW)
  ) u_decoder (
    .instr_i(ibuf),
    .op_o   (op),
    .order_o(order),
    .f0log_o(f0log),
    .f1_o   (f1),
    .f2_o   (f2),
    .base_o (base),
    .win_o  (win_set),
    .qoff_o (qoff_set),
    .m0_o   (m0),
    .sm_o   (sm),
    .t_o    (t),
    .acc_o  (acc),
    .quant_o(quant),
    .cmd_o  (cmd),
    .mask_o (mask),
    .iy0_o  (iy0),
    .ix0_o  (ix0),
    .tgt_o  (tgt),
    .line_o (line),
    .count_o(count),
    .addr_o (addr),
    .zpa_o  (zpa_f),
    .zpw_o  (zpw_f),
    .swap_o (swap),
    .clamp_o(clamp_f),
    .qlo_o  (qlo_f),
    .qhi_o  (qhi_f),
    .lut_o  (lut_f),
    .j0_o   (j0),
    .n0_o   (n0),
    .grlog_o(grlog),
    .gclog_o(gclog),
    .vnm1_o (vnm1)
  );

  // Engine status.
  logic           mem_busy, em_busy, em_idle, em_done, em_ctx, em_conflict;
  logic           st_busy, st_last_step, st_ctx, st_conflict, beat_valid, beat_ctx;
  logic [VW-1:0]  cur_vnm1;
  logic           md_any, md_quant;
  logic           mem_store;
  logic [feather_pkg::TgtW-1:0] mem_tgt;
  logic           step, step_movf, step_acc, step_quant;
  logic [1:0]     md_ctx_busy;
  logic           wr_valid, wr_oconflict, wr_omissing, wr_qrange;
  // Dispatch and state.
  logic            do_ls, do_em, em_ctx_next, do_es;
  logic [3*LYW-1:0]  lay;
  logic [2:0]        lay_valid;
  logic [2*CTXW-1:0] ctx;
  logic              map_valid, map_ctx, half;
  logic [7:0]        zpa, zpw, qlo, qhi;
  logic              lut_on;
  logic [feather_pkg::ErrW-1:0] err;
  logic              ok;

  feather_controller #(
    .AH(AH), .AW(AW), .WIRING(WIRING), .SD(SD), .WD(WD), .OD(OD), .QD(QD), .MAW(MAW)
  ) u_controller (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .instr_i       (instr_i),
    .instr_valid_i (instr_valid_i),
    .instr_ready_o (instr_ready_o),
    .ibuf_o        (ibuf),
    .op_i          (op),
    .order_i       (order),
    .f0log_i       (f0log),
    .f1_i          (f1),
    .f2_i          (f2),
    .base_i        (base),
    .win_i         (win_set),
    .qoff_i        (qoff_set),
    .t_i           (t),
    .quant_i       (quant),
    .tgt_i         (tgt),
    .line_i        (line),
    .count_i       (count),
    .zpa_i         (zpa_f),
    .zpw_i         (zpw_f),
    .swap_i        (swap),
    .clamp_i       (clamp_f),
    .qlo_i         (qlo_f),
    .qhi_i         (qhi_f),
    .lut_i         (lut_f),
    .j0_i          (j0),
    .n0_i          (n0),
    .grlog_i       (grlog),
    .gclog_i       (gclog),
    .vnm1_i        (vnm1),
    .mem_busy_i    (mem_busy),
    .em_idle_i     (em_idle),
    .em_done_i     (em_done),
    .em_ctx_i      (em_ctx),
    .em_conflict_i (em_conflict),
    .st_busy_i     (st_busy),
    .st_last_step_i(st_last_step),
    .st_ctx_i      (st_ctx),
    .st_conflict_i (st_conflict),
    .beat_valid_i  (beat_valid),
    .beat_ctx_i    (beat_ctx),
    .cur_vnm1_i    (cur_vnm1),
    .md_any_i      (md_any),
    .md_ctx_busy_i (md_ctx_busy),
    .md_quant_i    (md_quant),
    .st_quant_i    (step_quant),
    .mem_store_i   (mem_store),
    .mem_tgt_i     (mem_tgt),
    .wr_valid_i    (wr_valid),
    .wr_oconflict_i(wr_oconflict),
    .wr_omissing_i (wr_omissing),
    .wr_qrange_i   (wr_qrange),
    .do_ls_o       (do_ls),
    .do_em_o       (do_em),
    .em_ctx_next_o (em_ctx_next),
    .do_es_o       (do_es),
    .lay_o         (lay),
    .lay_valid_o   (lay_valid),
    .win_o         (win),
    .qoff_o        (qoff),
    .ctx_o         (ctx),
    .map_valid_o   (map_valid),
    .map_ctx_o     (map_ctx),
    .zpa_o         (zpa),
    .zpw_o         (zpw),
    .qlo_o         (qlo),
    .qhi_o         (qhi),
    .lut_o         (lut_on),
    .half_o        (half),
    .err_o         (err),
    .idle_o        (idle_o)
  );
  assign err_o = err;
  assign ok    = (err == feather_pkg::ErrNone);

  ///////////////////////////
  // Memory engine         //
  ///////////////////////////

  logic           ld_fire;
  logic [LA-1:0]  mem_line;
  logic [BW-1:0]  store_data;
  logic [1:0]     mem_queued;

  feather_mem_engine #(
    .AW(AW), .SD(SD), .WD(WD), .OD(OD), .MAW(MAW)
  ) u_mem_engine (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .do_i           (do_ls),
    .store_i        (op == feather_pkg::OpStore),
    .tgt_i          (tgt),
    .line_i         (line),
    .count_i        (count),
    .addr_i         (addr),
    .mem_req_valid_o(mem_req_valid_o),
    .mem_req_ready_i(mem_req_ready_i),
    .mem_req_we_o   (mem_req_we_o),
    .mem_req_addr_o (mem_req_addr_o),
    .mem_req_wdata_o(mem_req_wdata_o),
    .mem_rsp_valid_i(mem_rsp_valid_i),
    .mem_rsp_ready_o(mem_rsp_ready_o),
    .busy_o         (mem_busy),
    .store_o        (mem_store),
    .tgt_o          (mem_tgt),
    .line_o         (mem_line),
    .ld_fire_o      (ld_fire),
    .rd_data_i      (store_data),
    .queued_o       (mem_queued)
  );

  ///////////////////////////
  // Buffers               //
  ///////////////////////////

  logic [AW*LA-1:0] em_line, st_line, q_line, ob_line;
  logic [AW*8-1:0]  wb_rdata, sb_rdata, q_data;
  logic [AW-1:0]    q_we;

  feather_buffers #(
    .AW(AW), .SD(SD), .WD(WD), .OD(OD)
  ) u_buffers (
    .clk_i       (clk_i),
    .half_i      (half),
    .mem_busy_i  (mem_busy),
    .mem_store_i (mem_store),
    .mem_tgt_i   (mem_tgt),
    .mem_line_i  (mem_line),
    .ld_fire_i   (ld_fire),
    .ld_data_i   (mem_rsp_rdata_i),
    .store_data_o(store_data),
    .em_line_i   (em_line),
    .st_line_i   (st_line),
    .wb_rdata_o  (wb_rdata),
    .sb_rdata_o  (sb_rdata),
    .q_we_i      (q_we),
    .q_line_i    (q_line),
    .q_data_i    (q_data)
  );

  ///////////////////////////
  // Mapping and streaming //
  ///////////////////////////

  logic [AW-1:0]    nest_ld_valid, nest_ld_bank;
  logic [AW*RW-1:0] nest_ld_row, nest_ld_idx;
  logic [AW*8-1:0]  nest_ld_data;

  feather_map_engine #(
    .AH(AH), .AW(AW), .SD(SD), .WD(WD), .OD(OD)
  ) u_map_engine (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .ok_i       (ok),
    .do_i       (do_em),
    .ctx_next_i (em_ctx_next),
    .ctx_i      (ctx),
    .lay_i      (lay[0 +: LYW]),
    .zpw_i      (zpw),
    .bank_line_o(em_line),
    .wb_rdata_i (wb_rdata),
    .busy_o     (em_busy),
    .idle_o     (em_idle),
    .done_o     (em_done),
    .ctx_o      (em_ctx),
    .conflict_o (em_conflict),
    .ld_valid_o (nest_ld_valid),
    .ld_row_o   (nest_ld_row),
    .ld_bank_o  (nest_ld_bank),
    .ld_idx_o   (nest_ld_idx),
    .ld_data_o  (nest_ld_data)
  );

  logic [AW*8-1:0]  nest_act;
  logic [AW-1:0]    nest_act_valid, nest_act_bank;
  logic [AH*AW-1:0] nest_pe_mask;
  logic [VW-1:0]    step_vnm1;
  logic [XW-1:0]    step_m;
  logic [CW-1:0]    step_cmd;
  logic [AW-1:0]    step_mask;

  feather_stream_engine #(
    .AH(AH), .AW(AW), .WIRING(WIRING), .SD(SD), .WD(WD), .OD(OD)
  ) u_stream_engine (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .ok_i        (ok),
    .do_i        (do_es),
    .ctx_sel_i   (map_ctx),
    .m0_i        (m0),
    .sm_i        (sm),
    .t_i         (t),
    .acc_i       (acc),
    .quant_i     (quant),
    .cmd_i       (cmd),
    .mask_i      (mask),
    .ctx_i       (ctx),
    .lay_i       (lay[LYW +: LYW]),
    .win_i       (win),
    .iy0_i       (iy0),
    .ix0_i       (ix0),
    .zpa_i       (zpa),
    .bank_line_o (st_line),
    .sb_rdata_i  (sb_rdata),
    .busy_o      (st_busy),
    .ctx_o       (st_ctx),
    .last_step_o (st_last_step),
    .conflict_o  (st_conflict),
    .beat_valid_o(beat_valid),
    .beat_ctx_o  (beat_ctx),
    .cur_vnm1_o  (cur_vnm1),
    .act_o       (nest_act),
    .act_valid_o (nest_act_valid),
    .act_bank_o  (nest_act_bank),
    .pe_mask_o   (nest_pe_mask),
    .step_o      (step),
    .step_vnm1_o (step_vnm1),
    .step_m_o    (step_m),
    .step_movf_o (step_movf),
    .step_acc_o  (step_acc),
    .step_quant_o(step_quant),
    .step_cmd_o  (step_cmd),
    .step_mask_o (step_mask)
  );

  logic [CW-1:0]  md_cmd;
  logic [AW-1:0]  birrd_mask;
  logic           wr_ctx, wr_movf, wr_acc, wr_quant;
  logic [XW-1:0]  wr_m;
  logic [VW-1:0]  wr_row;

  feather_meta_pipe #(
    .AH(AH), .AW(AW), .WIRING(WIRING), .SD(SD), .WD(WD), .OD(OD)
  ) u_meta_pipe (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .step_i      (step),
    .vnm1_i      (step_vnm1),
    .ctx_i       (st_ctx),
    .m_i         (step_m),
    .movf_i      (step_movf),
    .acc_i       (step_acc),
    .quant_i     (step_quant),
    .cmd_i       (step_cmd),
    .mask_i      (step_mask),
    .birrd_cmd_o (md_cmd),
    .birrd_mask_o(birrd_mask),
    .wr_valid_o  (wr_valid),
    .wr_ctx_o    (wr_ctx),
    .wr_m_o      (wr_m),
    .wr_movf_o   (wr_movf),
    .wr_row_o    (wr_row),
    .wr_acc_o    (wr_acc),
    .wr_quant_o  (wr_quant),
    .busy_o      (md_any),
    .ctx_busy_o  (md_ctx_busy),
    .quant_busy_o(md_quant)
  );

  ///////////////////////////
  // NEST + BIRRD          //
  ///////////////////////////

  logic [CW-1:0]    birrd_cmd;
  logic [AW*32-1:0] birrd_data;
  logic [AW-1:0]    birrd_valid;
  logic [AW-1:0]    col_err;

  assign birrd_cmd = (FAULT == 1) ? (md_cmd ^ fault_cmd_i) : md_cmd;

  if (ParamsOk) begin : g_core
    nest_birrd #(
      .AH    (AH),
      .AW    (AW),
      .OW    (8),
      .ACCW  (32),
      .DEPTH (AH),
      .WIRING(WIRING),
      .STAGES(STAGES)
    ) u_core (
      .clk_i       (clk_i),
      .rst_ni      (rst_ni),
      .act_zp_i    (zpa),
      .w_zp_i      (zpw),
      .red_len_m1_i(RW'(cur_vnm1)),
      .pe_mask_i   (nest_pe_mask),
      .act_i       (nest_act),
      .act_valid_i (nest_act_valid),
      .act_bank_i  (nest_act_bank),
      .ld_valid_i  (nest_ld_valid),
      .ld_row_i    (nest_ld_row),
      .ld_bank_i   (nest_ld_bank),
      .ld_idx_i    (nest_ld_idx),
      .ld_data_i   (nest_ld_data),
      .birrd_cmd_i (birrd_cmd),
      .birrd_mask_i(birrd_mask),
      .out_data_o  (birrd_data),
      .out_valid_o (birrd_valid),
      .col_err_o   (col_err)
    );
  end else begin : g_no_core
    assign birrd_data  = '0;
    assign birrd_valid = '0;
    assign col_err     = '0;
  end

  // NEST reports column collisions itself (an assertion in nest); with the
  // row mask derived from vn they cannot happen.
  logic unused_col_err;
  assign unused_col_err = ^col_err;

  ///////////////////////////
  // Write unit            //
  ///////////////////////////

  logic [AW-1:0] ob_we;

  feather_out_engine #(
    .AH(AH), .AW(AW), .SD(SD), .WD(WD), .OD(OD), .QD(QD), .FAULT(FAULT)
  ) u_out_engine (
    .clk_i        (clk_i),
    .ok_i         (ok),
    .wr_valid_i   (wr_valid),
    .wr_ctx_i     (wr_ctx),
    .wr_m_i       (wr_m),
    .wr_movf_i    (wr_movf),
    .wr_row_i     (wr_row),
    .wr_acc_i     (wr_acc),
    .wr_quant_i   (wr_quant),
    .ctx_i        (ctx),
    .lay_i        (lay[2*LYW +: LYW]),
    .qoff_i       (qoff),
    .birrd_data_i (birrd_data),
    .birrd_valid_i(birrd_valid),
    .qlo_i        (qlo),
    .qhi_i        (qhi),
    .lut_i        (lut_on),
    .ld_fire_i    (ld_fire),
    .ld_tgt_i     (mem_tgt),
    .ld_line_i    (mem_line),
    .ld_data_i    (mem_rsp_rdata_i),
    .fault_addr_i (fault_addr_i),
    .oconflict_o  (wr_oconflict),
    .omissing_o   (wr_omissing),
    .qrange_o     (wr_qrange),
    .ob_we_o      (ob_we),
    .wline_o      (ob_line),
    .qline_o      (q_line),
    .q_we_o       (q_we),
    .q_data_o     (q_data)
  );

  localparam int NB = ParamsOk ? AW : 0;  // lanes checked

  ///////////////////////////
  // Assertions            //
  ///////////////////////////

`ifndef SYNTHESIS
  // Immediate assertions, checked at every rising edge in simulation
  // (Verilator --assert, Icarus). Every register is 0 in reset, so no reset
  // qualifier is needed. The action is $warning (Verilator 5.006 can deadlock
  // in $error with fatalOnError off); every cycle with a violation also counts
  // in assert_fails_q, which the harness reads. docs/isa.md lists them and the
  // tests that fire them.
  localparam int NV = 3 * NB + 4;
  logic [NV-1:0] viol;
  logic [31:0]   assert_fails_q /* verilator public_flat_rd */;
  initial assert_fails_q = 32'd0;

  for (genvar i = 0; i < NB; i++) begin : g_assert_lane
    // a_ob_line_in_range: an output-buffer write lands inside the buffer.
    assign viol[3*i]     = ob_we[i] && (32'(ob_line[i*LA +: LA]) >= OD);
    // a_sb_line_in_range: so does the requantized byte in the streaming buffer.
    assign viol[3*i + 1] = ob_we[i] && wr_quant && (32'(q_line[i*LA +: LA]) >= SD);
    // a_ob_write_is_result: only lanes with a BIRRD result are written (never
    // an add-mode copy).
    assign viol[3*i + 2] = ob_we[i] && !birrd_valid[i];
    always @(posedge clk_i) begin
      assert (!viol[3*i])
        else $warning("feather_top: a_ob_line_in_range: bank %0d line %0d >= OD %0d", i,
                      ob_line[i*LA +: LA], OD);
      assert (!viol[3*i + 1])
        else $warning("feather_top: a_sb_line_in_range: bank %0d line %0d >= SD %0d", i,
                      q_line[i*LA +: LA], SD);
      assert (!viol[3*i + 2])
        else $warning("feather_top: a_ob_write_is_result: bank %0d written without a result",
                      i);
    end
  end
  // a_stream_has_mapping / a_map_has_layout: engines run only with the state
  // they need; a_store_queue: at most two queued store lines; a_ctx_free: a
  // mapping context is never rewritten while outputs computed with it are in
  // flight.
  assign viol[3*NB]     = st_busy && !(map_valid && lay_valid[1] && lay_valid[2]);
  assign viol[3*NB + 1] = em_busy && !lay_valid[0];
  assign viol[3*NB + 2] = (mem_queued > 2'd2);
  assign viol[3*NB + 3] = do_em && md_ctx_busy[em_ctx_next];
  always @(posedge clk_i) begin
    assert (!viol[3*NB])
      else $warning("feather_top: a_stream_has_mapping: stream without mapping or layouts");
    assert (!viol[3*NB + 1])
      else $warning("feather_top: a_map_has_layout: mapping without a stationary layout");
    assert (!viol[3*NB + 2])
      else $warning("feather_top: a_store_queue: %0d lines queued", mem_queued);
    assert (!viol[3*NB + 3])
      else $warning("feather_top: a_ctx_free: context %0d rewritten in flight", em_ctx_next);
    if (viol != '0) begin
      assert_fails_q <= assert_fails_q + 32'd1;
    end
  end
`endif

endmodule
