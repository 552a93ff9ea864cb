// feather_map_engine: the ExecuteMapping (EM) engine of the FEATHER top.
//
// do_i starts an EM into mapping context ctx_next_i (its fields are in
// ctx_i[ctx_next_i*CTXW +: CTXW] from the next cycle on). The engine runs
// vn*vn cycles (r, e = 0 .. vn-1): in each, column c reads element e of the
// stationary VN (n0 + r + nsub*AH, j0 + kg) from the stationary buffer
// (layout lay_i; kg = c >> grlog, nsub = (c mod 2^grlog) mod 2^gclog) and, the
// cycle after the read, loads it into PE row r, entry e of its bank ctx
// (zero point zpw_i for VNs out of range). Two columns reading different
// lines of one bank is a stationary bank conflict: the engine stops and
// reports conflict_o; so does any error (ok_i low).
//
// done_o: the last PE write lands in the next cycle (the controller then
// marks the context loaded); idle_o: nothing of an EM is left in flight.

module feather_map_engine #(
  parameter int  AH   = 4,
  parameter int  AW   = 4,
  parameter int  SD   = 64,
  parameter int  WD   = 64,
  parameter int  OD   = 64,
  localparam int AWL  = $clog2(AW),
  localparam int AHL  = $clog2(AH),
  localparam int LA   = feather_pkg::line_width(SD, WD, OD),
  localparam int XW   = feather_pkg::index_width(AW, SD, WD, OD),
  localparam int GLW  = feather_pkg::glog_width(AW),
  localparam int VW   = feather_pkg::vn_width(AH),
  localparam int LYW  = feather_pkg::layout_width(XW, LA),
  localparam int CTXW = feather_pkg::ctx_width(XW, AW, AH),
  localparam int RW   = (AH > 1) ? $clog2(AH) : 1
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              ok_i,          // no error raised
  input  logic              do_i,
  input  logic              ctx_next_i,
  input  logic [2*CTXW-1:0] ctx_i,
  input  logic [LYW-1:0]    lay_i,         // stationary layout
  input  logic [7:0]        zpw_i,
  // Stationary buffer reads.
  output logic [AW*LA-1:0]  bank_line_o,   // line read from each bank
  input  logic [AW*8-1:0]   wb_rdata_i,    // the banks' data, the cycle after
  // Status.
  output logic              busy_o,
  output logic              idle_o,
  output logic              done_o,
  output logic              ctx_o,
  output logic              conflict_o,
  // NEST load inputs.
  output logic [AW-1:0]     ld_valid_o,
  output logic [AW*RW-1:0]  ld_row_o,
  output logic [AW-1:0]     ld_bank_o,
  output logic [AW*RW-1:0]  ld_idx_o,
  output logic [AW*8-1:0]   ld_data_o
);

  logic          em_busy_q /* verilator public_flat_rd */;
  logic          em_ctx_q;
  logic [VW-1:0] em_r_q, em_e_q;
  logic [1:0]    em_tail_q;  // cycles after the last read until the PE write lands
  logic          em_rd_valid_q;
  logic [VW-1:0] em_rd_r_q, em_rd_e_q;
  logic          em_rd_ctx_q;

  // The running EM's context (fields at feather_pkg's context offsets).
  localparam int J0Lsb    = feather_pkg::CtxJ0Lsb;
  localparam int N0Lsb    = feather_pkg::ctx_n0_lsb(XW);
  localparam int GrlogLsb = feather_pkg::ctx_grlog_lsb(XW);
  localparam int GclogLsb = feather_pkg::ctx_gclog_lsb(XW, AW);
  localparam int Vnm1Lsb  = feather_pkg::ctx_vnm1_lsb(XW, AW);
  logic [CTXW-1:0] ctx;
  logic [XW-1:0]   ctx_j0, ctx_n0;
  logic [GLW-1:0]  ctx_grlog, ctx_gclog;
  logic [VW-1:0]   ctx_vnm1;
  assign ctx       = em_ctx_q ? ctx_i[CTXW +: CTXW] : ctx_i[0 +: CTXW];  // a 2:1 mux
  assign ctx_j0    = ctx[J0Lsb +: XW];
  assign ctx_n0    = ctx[N0Lsb +: XW];
  assign ctx_grlog = ctx[GrlogLsb +: GLW];
  assign ctx_gclog = ctx[GclogLsb +: GLW];
  assign ctx_vnm1  = ctx[Vnm1Lsb +: VW];

  ///////////////////////////
  // Addresses             //
  ///////////////////////////

  logic [AW*XW-1:0] em_a, em_b;  // n and j of each column's WVN
  logic [AW-1:0]    em_ovf;

  for (genvar c = 0; c < AW; c++) begin : g_addr
    logic [AWL-1:0] kg, x, nsub;
    logic [XW+1:0]  em_bw, em_aw;  // exact sums (an index past XW bits is out of range)
    assign kg = AWL'(c >> ctx_grlog);
    assign x = AWL'(c) & AWL'((AW'(1) << ctx_grlog) - AW'(1));
    assign nsub = x & AWL'((AW'(1) << ctx_gclog) - AW'(1));
    assign em_bw = (XW+2)'(ctx_j0) + (XW+2)'(kg);
    assign em_aw = (XW+2)'(ctx_n0) + (XW+2)'(em_r_q) + ((XW+2)'(nsub) << AHL);
    assign em_a[c*XW +: XW] = em_aw[XW-1:0];
    assign em_b[c*XW +: XW] = em_bw[XW-1:0];
    assign em_ovf[c] = (em_bw[XW+1:XW] != 2'b00) || (em_aw[XW+1:XW] != 2'b00);
  end

  logic [AW*8-1:0] rd_data;  // each column's element, the cycle after the read
  feather_vn_reader #(.AW(AW), .AH(AH), .LA(LA)) u_reader (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .en_i       (em_busy_q),
    .lay_i      (lay_i),
    .a_i        (em_a),
    .b_i        (em_b),
    .ovf_i      (em_ovf),
    .e_i        (em_e_q),
    .bank_line_o(bank_line_o),
    .conflict_o (conflict_o),
    .rdata_i    (wb_rdata_i),
    .zp_i       (zpw_i),
    .data_o     (rd_data)
  );

  ///////////////////////////
  // Sequencing            //
  ///////////////////////////

  logic em_issue;
  assign em_issue = em_busy_q && !conflict_o && ok_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      em_busy_q     <= 1'b0;
      em_ctx_q      <= 1'b0;
      em_r_q        <= '0;
      em_e_q        <= '0;
      em_tail_q     <= 2'd0;
      em_rd_valid_q <= 1'b0;
      em_rd_r_q     <= '0;
      em_rd_e_q     <= '0;
      em_rd_ctx_q   <= 1'b0;
    end else begin
      em_rd_valid_q <= em_issue;
      em_rd_r_q     <= em_r_q;
      em_rd_e_q     <= em_e_q;
      em_rd_ctx_q   <= em_ctx_q;
      if (em_tail_q != 2'd0) begin
        em_tail_q <= em_tail_q - 2'd1;
      end
      if (do_i) begin
        em_busy_q <= 1'b1;
        em_ctx_q  <= ctx_next_i;
        em_r_q    <= '0;
        em_e_q    <= '0;
      end else if (em_busy_q && (!ok_i || conflict_o)) begin
        em_busy_q <= 1'b0;
      end else if (em_issue) begin
        if (em_e_q == ctx_vnm1) begin
          em_e_q <= '0;
          if (em_r_q == ctx_vnm1) begin
            em_busy_q <= 1'b0;
            em_tail_q <= 2'd3;
          end else begin
            em_r_q <= em_r_q + 1'b1;
          end
        end else begin
          em_e_q <= em_e_q + 1'b1;
        end
      end
    end
  end

  assign busy_o = em_busy_q;
  assign idle_o = !em_busy_q && (em_tail_q == 2'd0) && !em_rd_valid_q;
  assign done_o = !em_busy_q && (em_tail_q == 2'd1);
  assign ctx_o  = em_ctx_q;

  // NEST load inputs (the cycle after the read).
  assign ld_data_o = rd_data;
  always_comb begin
    for (int c = 0; c < AW; c++) begin
      ld_valid_o[c]          = em_rd_valid_q;
      ld_row_o[c*RW +: RW]   = RW'(em_rd_r_q);
      ld_bank_o[c]           = em_rd_ctx_q;
      ld_idx_o[c*RW +: RW]   = RW'(em_rd_e_q);
    end
  end

endmodule
