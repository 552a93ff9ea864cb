// assert_tb: every simulation assertion of feather_top is driven into its
// violation, one at a time, and must fire; a legal run must fire none.
//
// The design is a small FEATHER top (AH = 2, AW = 4, Benes BIRRD, SD = 8,
// WD = 32, OD = 16, QD = 8, MAW = 8, FAULT = 1): LA = 5, so a write line can
// lie beyond OD (>= 16) or beyond SD but inside OD (8..15). The testbench
// models the off-chip memory (one-cycle read responses, in order; optional
// request back-pressure) and runs hand-encoded programs (docs/isa.md):
//
//   main: layouts, zero points, loads of WBUF, SBUF and both requantization
//         tables, then EM0 ES0 EM1 ES1 EM2 ES2 on a 2 x 2 x 8 GEMM (each
//         column its own group, BIRRD passes straight through; EM1 loads
//         context 1 while ES0 streams, EM2 waits until context 0 has left the
//         pipeline), the three streams accumulating and the last one
//         requantizing into the inactive streaming half, and a Store of the
//         result under back-pressure (the store queue fills to 2 entries).
//         The stored bytes are checked against the formula of docs/isa.md.
//   part: a partial tile (output channels 0..5: lane 3 has no live group and
//         its mask bit is 0, so BIRRD has no result there).
//
// Cases (each starts from reset; the assertion counter assert_fails_q is not
// reset, so each case checks its increase):
//   legal                 main and part: no assertion fires, no error, data right
//   a_ob_line_in_range    fault_addr_i = 16 for one write cycle of a non-quant stream
//   a_sb_line_in_range    fault_addr_i = 8 for one write cycle of a quant stream
//   a_ob_write_is_result  part: the write enable of bank 3 (no result) forced
//                         high for one write cycle (force on the lane's write enable,
//                         the same net as feather_top's ob_we[3])
//   a_stream_has_mapping  layouts set, no ExecuteMapping: st_busy_q forced for one cycle
//   a_map_has_layout      no layout at all: em_busy_q forced for one cycle
//   a_store_queue         a back-pressured Store with its queue full (2):
//                         mem_fcnt_q forced to 3 for one cycle
//   a_ctx_free            main up to EM2 while EM2 waits for context 0 to
//                         drain: do_em forced for one cycle
// Each case prints "CASE <name> begin" and "CASE <name> end fails=<n>"; the
// violation must raise assert_fails_q by exactly 1 (one violating cycle), the
// legal case by 0. verif/rtl/assertions.sh checks these lines and that the
// warnings printed inside each case name its assertion and no other. A failed
// check prints "FAIL <case>: ..."; the last line is "PASS" or "FAIL".
// +only=<case> runs one case.
//
// Simulators (see verif/rtl/assertions.sh): Verilator 5.006 --binary --timing
// runs every case but a_ob_write_is_result (it cannot force an input port, nor
// a word of the unpacked ob_we array); Icarus 11 runs a_ob_write_is_result
// alone, on a copy of the RTL with always_comb read as always @* (Icarus 11
// never leaves time 0 on feather_top's always_comb blocks).

module assert_tb;

  localparam int AH     = 2;
  localparam int AW     = 4;
  localparam int WIRING = 1;
  localparam int SD     = 8;
  localparam int WD     = 32;
  localparam int OD     = 16;
  localparam int QD     = 8;
  localparam int MAW    = 8;

  // Field widths, from feather_pkg as feather_top derives them (docs/isa.md).
  localparam int AWL    = $clog2(AW);
  localparam int STAGES = feather_pkg::birrd_stages(AW, WIRING);
  localparam int LA     = feather_pkg::line_width(SD, WD, OD);
  localparam int XW     = feather_pkg::index_width(AW, SD, WD, OD);
  localparam int FLW    = feather_pkg::f0log_width(XW);
  localparam int GLW    = feather_pkg::glog_width(AW);
  localparam int VW     = feather_pkg::vn_width(AH);
  localparam int CW     = STAGES * AW;
  localparam int BW     = AW * 8;
  localparam int IW     = feather_pkg::instr_width(AH, AW, WIRING, SD, WD, OD, MAW);

  // GEMM: M = 2, K = AH = 2 (one K-VN), N = AH * AW = 8.
  localparam int M = 2;
  localparam int N = AH * AW;
  localparam logic [7:0] ZPA = 8'd3;
  localparam logic [7:0] ZPW = 8'd250;
  // Off-chip word addresses.
  localparam int XW_W   = 0;   // WBUF image, 4 lines
  localparam int XW_S   = 8;   // SBUF image, 2 lines
  localparam int XW_SC  = 16;  // scale table, QD*4/AW = 8 words
  localparam int XW_ZP  = 24;  // output zero points, QD/AW = 2 words
  localparam int XW_OUT = 32;  // Store destination, 4 lines
  localparam int NSTORE = 4;

  logic           clk;
  logic           rst_n;
  logic [IW-1:0]  instr;
  logic           instr_valid;
  logic           instr_ready;
  logic           mem_req_valid;
  logic           mem_req_ready;
  logic           mem_req_we;
  logic [MAW-1:0] mem_req_addr;
  logic [BW-1:0]  mem_req_wdata;
  logic           mem_rsp_valid;
  logic           mem_rsp_ready;
  logic [BW-1:0]  mem_rsp_rdata;
  logic           idle;
  logic [3:0]     err;
  logic [CW-1:0]  fault_cmd;
  logic [LA-1:0]  fault_addr;

  feather_top #(
    .AH    (AH),
    .AW    (AW),
    .WIRING(WIRING),
    .SD    (SD),
    .WD    (WD),
    .OD    (OD),
    .QD    (QD),
    .MAW   (MAW),
    .FAULT (1)
  ) dut (
    .clk_i          (clk),
    .rst_ni         (rst_n),
    .instr_i        (instr),
    .instr_valid_i  (instr_valid),
    .instr_ready_o  (instr_ready),
    .mem_req_valid_o(mem_req_valid),
    .mem_req_ready_i(mem_req_ready),
    .mem_req_we_o   (mem_req_we),
    .mem_req_addr_o (mem_req_addr),
    .mem_req_wdata_o(mem_req_wdata),
    .mem_rsp_valid_i(mem_rsp_valid),
    .mem_rsp_ready_o(mem_rsp_ready),
    .mem_rsp_rdata_i(mem_rsp_rdata),
    .idle_o         (idle),
    .err_o          (err),
    .fault_cmd_i    (fault_cmd),
    .fault_addr_i   (fault_addr)
  );

  initial clk = 1'b0;
  always #5 clk = ~clk;

  ///////////////////////////
  // Off-chip memory       //
  ///////////////////////////

  logic [BW-1:0]  xmem [1 << MAW];
  logic [MAW-1:0] rq_addr [16];  // outstanding read requests, in order
  logic [3:0]     rq_wp, rq_rp;
  logic           bp;            // back-pressure: requests accepted every third cycle
  int             cyc;

  assign mem_rsp_valid = (rq_wp != rq_rp);
  assign mem_rsp_rdata = xmem[rq_addr[rq_rp]];

  always @(posedge clk) begin
    cyc <= cyc + 1;
    if (mem_req_valid && mem_req_ready) begin
      if (mem_req_we) begin
        xmem[mem_req_addr] <= mem_req_wdata;
      end else begin
        rq_addr[rq_wp] <= mem_req_addr;
        rq_wp          <= rq_wp + 4'd1;
      end
    end
    if (mem_rsp_valid && mem_rsp_ready) rq_rp <= rq_rp + 4'd1;
  end

  always @(negedge clk) mem_req_ready = !bp || ((cyc % 3) == 0);

  ///////////////////////////
  // Instruction encoding  //
  ///////////////////////////

  function automatic logic [IW-1:0] i_set(input logic [2:0] op, input int order, input int f0log,
                                          input int f1, input int f2, input int base);
    logic [IW-1:0] x;
    x                        = '0;
    x[2:0]                   = op;
    x[3 +: 3]                = 3'(order);
    x[6 +: FLW]              = FLW'(f0log);
    x[6 + FLW +: XW]         = XW'(f1);
    x[6 + FLW + XW +: XW]    = XW'(f2);
    x[6 + FLW + 2*XW +: LA]  = LA'(base);
    i_set = x;
  endfunction

  function automatic logic [IW-1:0] i_es(input int m0, input int sm, input int t, input bit acc,
                                         input bit quant, input logic [AW-1:0] mask);
    logic [IW-1:0] x;
    x                        = '0;
    x[2:0]                   = 3'd3;
    x[3 +: XW]               = XW'(m0);
    x[3 + XW +: XW]          = XW'(sm);
    x[3 + 2*XW +: XW]        = XW'(t);
    x[3 + 3*XW]              = acc;
    x[4 + 3*XW]              = quant;
    x[5 + 3*XW +: CW]        = '0;    // every BIRRD switch passes: lane i -> lane i
    x[5 + 3*XW + CW +: AW]   = mask;
    i_es = x;
  endfunction

  function automatic logic [IW-1:0] i_ls(input bit store, input int tgt, input int line,
                                         input int count, input int addr);
    logic [IW-1:0] x;
    x                        = '0;
    x[2:0]                   = store ? 3'd4 : 3'd5;
    x[3 +: 3]                = 3'(tgt);
    x[6 +: LA]               = LA'(line);
    x[6 + LA +: XW]          = XW'(count);
    x[6 + LA + XW +: MAW]    = MAW'(addr);
    i_ls = x;
  endfunction

  function automatic logic [IW-1:0] i_cfg(input logic [7:0] zpa, input logic [7:0] zpw,
                                          input bit swap);
    logic [IW-1:0] x;
    x          = '0;
    x[2:0]     = 3'd6;
    x[3 +: 8]  = zpa;
    x[11 +: 8] = zpw;
    x[19]      = swap;  // bit 20, the clamp, 0: [0, 255]
    i_cfg = x;
  endfunction

  function automatic logic [IW-1:0] i_em(input int j0, input int n0, input int grlog,
                                         input int gclog, input int vnm1);
    logic [IW-1:0] x;
    x                               = '0;
    x[2:0]                          = 3'd7;
    x[3 +: XW]                      = XW'(j0);
    x[3 + XW +: XW]                 = XW'(n0);
    x[3 + 2*XW +: GLW]              = GLW'(grlog);
    x[3 + 2*XW + GLW +: GLW]        = GLW'(gclog);
    x[3 + 2*XW + 2*GLW +: VW]       = VW'(vnm1);
    i_em = x;
  endfunction

  ///////////////////////////
  // Programs              //
  ///////////////////////////

  logic [IW-1:0] prog [64];
  int            nprog;
  int            idx_em2;  // main: index of EM2

  task automatic add(input logic [IW-1:0] x);
    prog[nprog] = x;
    nprog       = nprog + 1;
  endtask

  // Mapping (every program): grlog = gclog = AWL (column c is group c), vn = AH.
  // PE (r, c) holds WVN(0, r + 2c); column c streams IVN(t, 0) (a broadcast) and
  // group c writes OVN(t, c) element r, in bank c at line 2t + r.
  // Layouts: W {order 3, F0 2, F1 4, F2 1}: WVN(0, n) in bank n/2, lines 2(n%2)..+1;
  // I {order 3, F0 1, F1 2, F2 1}: IVN(m, 0) in bank m, lines 0..1;
  // O {order 3, F0 1, F1 2, F2 nq}: OVN(m, q) in bank q (for m = 0 or nq = 4), lines 2m..2m+1.
  task automatic setup(input int nq, input bit tables);
    add(i_set(3'd0, 3, 1, 4, 1, 0));
    add(i_set(3'd1, 3, 0, 2, 1, 0));
    add(i_set(3'd2, 3, 0, 2, nq, 0));
    add(i_cfg(ZPA, ZPW, 1'b0));
    add(i_ls(1'b0, 0, 0, 4, XW_W));
    add(i_ls(1'b0, 1, 0, 2, XW_S));
    if (tables) begin
      add(i_ls(1'b0, 3, 0, QD * 4 / AW, XW_SC));
      add(i_ls(1'b0, 4, 0, QD / AW, XW_ZP));
    end
  endtask

  task automatic prog_main(input bit with_tail);
    nprog = 0;
    setup(4, 1'b1);
    add(i_em(0, 0, AWL, AWL, AH - 1));           // EM0: context 0
    add(i_es(0, 1, M, 1'b0, 1'b0, 4'b1111));     // ES0
    add(i_em(0, 0, AWL, AWL, AH - 1));           // EM1: context 1, during ES0
    add(i_es(0, 1, M, 1'b1, 1'b0, 4'b1111));     // ES1: accumulate
    idx_em2 = nprog;
    add(i_em(0, 0, AWL, AWL, AH - 1));           // EM2: context 0 again, waits for ES0
    if (with_tail) begin
      add(i_es(0, 1, M, 1'b1, 1'b1, 4'b1111));   // ES2: accumulate, requantize
      add(i_ls(1'b1, 2, 0, NSTORE, XW_OUT));     // Store the inactive half
    end
  endtask

  // One stream (non-quant or quant) of the main mapping.
  task automatic prog_one(input bit quant);
    nprog = 0;
    setup(4, 1'b1);
    add(i_em(0, 0, AWL, AWL, AH - 1));
    add(i_es(0, 1, M, 1'b0, quant, 4'b1111));
  endtask

  // Partial tile: output channels 0..5 (OVN q < 3), one step, lane 3 masked off.
  task automatic prog_part;
    nprog = 0;
    setup(3, 1'b0);
    add(i_em(0, 0, AWL, AWL, AH - 1));
    add(i_es(0, 1, 1, 1'b0, 1'b0, 4'b0111));
  endtask

  ///////////////////////////
  // Data                  //
  ///////////////////////////

  logic [7:0]  a_m [M][AH];   // A[m][k]
  logic [7:0]  b_m [AH][N];   // B[k][n]
  logic [31:0] scale [QD];
  logic [7:0]  ozp [QD];

  // requant of docs/isa.md: clamp(((v * scale + 2^23) >>> 24) + ozp, 0, 255).
  function automatic logic [7:0] requant(input logic [31:0] v, input logic [31:0] s,
                                         input logic [7:0] z);
    longint p;
    longint q;
    p = longint'($signed(v)) * longint'($signed(s));
    q = ((p + 64'sd8388608) >>> 24) + longint'(z);
    requant = (q < 0) ? 8'd0 : (q > 255) ? 8'd255 : 8'(q);
  endfunction

  task automatic init_memory;
    for (int i = 0; i < (1 << MAW); i++) xmem[i] = '0;
    // Operands at and near the limits of 0..255, zero points 3 and 250.
    a_m[0][0] = 8'd255; a_m[0][1] = 8'd0;
    a_m[1][0] = 8'd17;  a_m[1][1] = 8'd200;
    for (int k = 0; k < AH; k++) begin
      for (int n = 0; n < N; n++) b_m[k][n] = 8'((37 * n + 101 * k + 5 * n * n) % 256);
    end
    b_m[0][0] = 8'd255; b_m[1][0] = 8'd0; b_m[0][7] = 8'd0; b_m[1][7] = 8'd255;
    // WBUF bank c line 2r + e = B[e][r + 2c]; SBUF bank m line e = A[m][e].
    for (int r = 0; r < AH; r++) begin
      for (int e = 0; e < AH; e++) begin
        for (int c = 0; c < AW; c++) xmem[XW_W + 2*r + e][8*c +: 8] = b_m[e][r + 2*c];
      end
    end
    for (int e = 0; e < AH; e++) begin
      for (int m = 0; m < M; m++) xmem[XW_S + e][8*m +: 8] = a_m[m][e];
    end
    // Scales: identity, rounding halves, large and negative (both saturations).
    scale[0] = 32'h0100_0000; scale[1] = 32'h0080_0000; scale[2] = 32'h0000_8000;
    scale[3] = 32'h7fff_ffff; scale[4] = 32'h8000_0000; scale[5] = 32'hff00_0000;
    scale[6] = 32'h0040_0000; scale[7] = 32'h0001_0000;
    for (int n = 0; n < QD; n++) begin
      ozp[n] = 8'(n * 40);
      xmem[XW_SC + n] = scale[n];                  // AW/4 = 1 scale per word
      xmem[XW_ZP + n / AW][8 * (n % AW) +: 8] = ozp[n];
    end
  endtask

  ///////////////////////////
  // Driving               //
  ///////////////////////////

  int fails0;
  int nfail;
  string cur;

  task automatic fail(input string msg);
    $display("FAIL %s: %s", cur, msg);
    nfail = nfail + 1;
  endtask

  task automatic do_reset;
    @(negedge clk);
    instr_valid = 1'b0;
    fault_addr  = '0;
    fault_cmd   = '0;
    bp          = 1'b0;
    rst_n       = 1'b0;
    rq_wp       = '0;
    rq_rp       = '0;
    repeat (2) @(negedge clk);
    rst_n = 1'b1;
  endtask

  // Feed prog[first..last-1]; returns at a falling edge with the last one accepted.
  // instr_ready_o depends on registers only, so it is sampled at the falling edge.
  task automatic feed(input int first, input int last);
    int k;
    k = first;
    while (k < last) begin
      @(negedge clk);
      instr       = prog[k];
      instr_valid = 1'b1;
      if (instr_ready) k = k + 1;
    end
    @(negedge clk);
    instr_valid = 1'b0;
  endtask

  task automatic wait_idle(input int limit);
    int n;
    n = 0;
    while (!idle && (n < limit)) begin
      @(negedge clk);
      n = n + 1;
    end
    if (!idle) fail($sformatf("not idle after %0d cycles", limit));
  endtask

  // Wait at falling edges for a condition given by its case number.
  function automatic bit cond(input int which);
    case (which)
      0:       cond = dut.wr_valid;                          // a write cycle
      1:       cond = (dut.u_mem_engine.mem_fcnt_q == 2'd2) && dut.u_mem_engine.mem_busy_q && !mem_req_ready;
      2:       cond = dut.u_controller.ibuf_valid_q && (dut.op == 3'd7) && !dut.u_controller.can_issue &&
                      !dut.u_map_engine.em_busy_q && (dut.u_map_engine.em_tail_q == 2'd0) && dut.md_ctx_busy[0];
      default: cond = 1'b0;
    endcase
  endfunction

  task automatic wait_for(input int which, input int limit, input string what);
    int n;
    n = 0;
    while (!cond(which) && (n < limit)) begin
      @(negedge clk);
      n = n + 1;
    end
    if (!cond(which)) fail($sformatf("never reached: %s", what));
  endtask

  task automatic begin_case(input string name);
    cur = name;
    do_reset();
    $display("CASE %s begin", name);
    fails0 = dut.assert_fails_q;
  endtask

  task automatic end_case(input int expect_fails);
    int d;
    // Two edges so that the last violating cycle has been counted.
    repeat (2) @(negedge clk);
    d = dut.assert_fails_q - fails0;
    $display("CASE %s end fails=%0d", cur, d);
    if (d != expect_fails) fail($sformatf("assert_fails_q rose by %0d, expected %0d", d, expect_fails));
  endtask

  // One-cycle forces: from the falling edge where force_one(k) is called to the
  // next one. They live in an initial process because Icarus 11 rejects a force
  // of a continuously assigned signal (do_em, the lane's write enable) inside a task.
  event ev_force, ev_released;
  int   force_which;

  initial forever begin
    @(ev_force);
    case (force_which)
`ifndef VERILATOR
      0: force dut.u_out_engine.g_lane[3].we = 1'b1;
`endif
      1: force dut.u_stream_engine.st_busy_q = 1'b1;
      2: force dut.u_map_engine.em_busy_q = 1'b1;
      3: force dut.u_mem_engine.mem_fcnt_q = 2'd3;
      4: force dut.do_em = 1'b1;
      default: ;
    endcase
    @(negedge clk);
    case (force_which)
`ifndef VERILATOR
      0: release dut.u_out_engine.g_lane[3].we;
`endif
      1: release dut.u_stream_engine.st_busy_q;
      2: release dut.u_map_engine.em_busy_q;
      3: release dut.u_mem_engine.mem_fcnt_q;
      4: release dut.do_em;
      default: ;
    endcase
    ->ev_released;
  end

  // Returns at the falling edge where the force is released. A released engine
  // register keeps its forced value, so reset_after = 1 resets the design in the
  // same step: the violation lasts exactly one cycle.
  task automatic force_one(input int which, input bit reset_after);
    force_which = which;
    ->ev_force;
    @(ev_released);
    if (reset_after) rst_n = 1'b0;
  endtask

  ///////////////////////////
  // Cases                 //
  ///////////////////////////

  task automatic case_legal;
    logic [7:0] got, want;
    logic [31:0] o;
    begin_case("legal");
    prog_main(1'b1);
    bp = 1'b1;  // every memory request waits; the store queue fills
    feed(0, nprog);
    wait_idle(2000);
    if (err != 4'd0) fail($sformatf("main: err %0d", err));
    // ES0 + ES1 + ES2 accumulate: 3 * O, requantized into the inactive half.
    for (int m = 0; m < M; m++) begin
      for (int n = 0; n < N; n++) begin
        o = '0;
        for (int k = 0; k < AH; k++) begin
          o = o + 32'($signed({1'b0, a_m[m][k]}) - $signed({1'b0, ZPA})) *
                  32'($signed({1'b0, b_m[k][n]}) - $signed({1'b0, ZPW}));
        end
        want = requant(3 * o, scale[n], ozp[n]);
        got  = xmem[XW_OUT + 2*m + (n % AH)][8 * (n / AH) +: 8];
        if (got !== want) fail($sformatf("main: out[%0d][%0d] = %0d, expected %0d", m, n, got, want));
      end
    end
    prog_part();
    bp = 1'b0;
    feed(0, nprog);
    wait_idle(2000);
    if (err != 4'd0) fail($sformatf("part: err %0d", err));
    end_case(0);
  endtask

  task automatic case_fault_line(input string name, input bit quant, input int xor_line);
    begin_case(name);
    prog_one(quant);
    feed(0, nprog);
    wait_for(0, 2000, "a write cycle");
    fault_addr = LA'(xor_line);  // one write cycle only
    @(negedge clk);
    fault_addr = '0;
    wait_idle(2000);
    end_case(1);
  endtask

  task automatic case_ob_write_is_result;
    begin_case("a_ob_write_is_result");
    prog_part();
    feed(0, nprog);
    wait_for(0, 2000, "a write cycle");
    if (dut.birrd_valid[3] !== 1'b0) fail("lane 3 has a result");
    force_one(0, 1'b0);
    wait_idle(2000);
    end_case(1);
  endtask

  task automatic case_stream_has_mapping;
    begin_case("a_stream_has_mapping");
    nprog = 0;
    setup(4, 1'b0);
    feed(0, nprog);
    wait_idle(2000);
    force_one(1, 1'b1);
    end_case(1);
  endtask

  task automatic case_map_has_layout;
    begin_case("a_map_has_layout");
    repeat (2) @(negedge clk);
    force_one(2, 1'b1);
    end_case(1);
  endtask

  task automatic case_store_queue;
    begin_case("a_store_queue");
    nprog = 0;
    setup(4, 1'b0);
    add(i_ls(1'b1, 0, 0, 4, XW_OUT));
    feed(0, nprog - 1);
    wait_idle(2000);
    bp = 1'b1;
    feed(nprog - 1, nprog);
    wait_for(1, 200, "a full store queue under back-pressure");
    force_one(3, 1'b1);
    end_case(1);
  endtask

  task automatic case_ctx_free;
    begin_case("a_ctx_free");
    prog_main(1'b0);
    feed(0, nprog);
    wait_for(2, 200, "EM2 waiting for context 0");
    force_one(4, 1'b1);
    end_case(1);
  endtask

  string only;  // +only=<case>: run that case alone

  function automatic bit want(input string name);
    want = (only == "") || (only == name);
  endfunction

  initial begin
    nfail       = 0;
    cyc         = 0;
    rst_n       = 1'b1;
    instr       = '0;
    instr_valid = 1'b0;
    fault_addr  = '0;
    fault_cmd   = '0;
    bp          = 1'b0;
    rq_wp       = '0;
    rq_rp       = '0;
    if (!$value$plusargs("only=%s", only)) only = "";
    init_memory();
    if (want("legal")) case_legal();
    if (want("a_ob_line_in_range")) case_fault_line("a_ob_line_in_range", 1'b0, 16);  // 16..19 >= OD
    if (want("a_sb_line_in_range")) case_fault_line("a_sb_line_in_range", 1'b1, 8);   // 8..11: >= SD, < OD
`ifndef VERILATOR
    if (want("a_ob_write_is_result")) case_ob_write_is_result();
`else
    $display("CASE a_ob_write_is_result skipped (Verilator cannot force an input port)");
`endif
    if (want("a_stream_has_mapping")) case_stream_has_mapping();
    if (want("a_map_has_layout")) case_map_has_layout();
    if (want("a_store_queue")) case_store_queue();
    if (want("a_ctx_free")) case_ctx_free();
    if (nfail == 0) $display("PASS");
    else $display("FAIL (%0d checks)", nfail);
    $finish;
  end

endmodule
