// nest_equiv_tb: cycle-by-cycle comparison of the nest RTL against its Yosys
// gate-level netlist (module nest_gl, written by netlist_equiv.sh).
//
// Both designs get the same pseudo-random stimulus from a 32-bit Galois LFSR:
//   - stationary loads on every column (random valid, row, bank, index, data);
//   - operand streams with valid gaps (each column valid with probability 3/4)
//     and bank switches (each column's bank flips with probability 1/16);
//   - phases of 64 cycles that choose the zero points (random, 0 or all ones),
//     the reduction length (AH-1, a random constant, or random every cycle)
//     and pe_mask (all ones or random).
// The run starts with an asynchronous reset pulse and has a second one in the
// middle that is not aligned to a clock edge. Outputs are compared (4-state,
// !==) half a cycle after every rising edge and right after each reset
// assertion. The first mismatch prints its cycle and column and ends the run
// with "FAIL"; otherwise the last line is "PASS ...", including the number of
// column collisions seen on col_err_o (the RTL's assertion reports each one).
//
// Icarus-only testbench (not part of the synthesisable RTL).

`timescale 1ns / 1ps

module nest_equiv_tb;

  parameter int AH    = 4;
  parameter int AW    = 4;
  parameter int OW    = 8;
  parameter int ACCW  = 32;
  parameter int DEPTH = AH;
  parameter int NCYC  = 4000;
  parameter int SEED  = 32'h5eed_ca7e;

  localparam int RW    = (AH > 1) ? $clog2(AH) : 1;
  localparam int IW    = (DEPTH > 1) ? $clog2(DEPTH) : 1;
  localparam int PHASE = 64;  // cycles per stimulus phase

  logic               clk;
  logic               rst_n;
  logic [OW-1:0]      act_zp;
  logic [OW-1:0]      w_zp;
  logic [IW-1:0]      red_len_m1;
  logic [AH*AW-1:0]   pe_mask;
  logic [AW*OW-1:0]   act;
  logic [AW-1:0]      act_valid;
  logic [AW-1:0]      act_bank;
  logic [AW-1:0]      ld_valid;
  logic [AW*RW-1:0]   ld_row;
  logic [AW-1:0]      ld_bank;
  logic [AW*IW-1:0]   ld_idx;
  logic [AW*OW-1:0]   ld_data;

  logic [AW*ACCW-1:0] rtl_data;
  logic [AW-1:0]      rtl_valid;
  logic [AW-1:0]      rtl_err;
  logic [AW*ACCW-1:0] gl_data;
  logic [AW-1:0]      gl_valid;
  logic [AW-1:0]      gl_err;

  nest #(
    .AH   (AH),
    .AW   (AW),
    .OW   (OW),
    .ACCW (ACCW),
    .DEPTH(DEPTH)
  ) u_rtl (
    .clk_i       (clk),
    .rst_ni      (rst_n),
    .act_zp_i    (act_zp),
    .w_zp_i      (w_zp),
    .red_len_m1_i(red_len_m1),
    .pe_mask_i   (pe_mask),
    .act_i       (act),
    .act_valid_i (act_valid),
    .act_bank_i  (act_bank),
    .ld_valid_i  (ld_valid),
    .ld_row_i    (ld_row),
    .ld_bank_i   (ld_bank),
    .ld_idx_i    (ld_idx),
    .ld_data_i   (ld_data),
    .col_data_o  (rtl_data),
    .col_valid_o (rtl_valid),
    .col_err_o   (rtl_err)
  );

  nest_gl u_gl (
    .clk_i       (clk),
    .rst_ni      (rst_n),
    .act_zp_i    (act_zp),
    .w_zp_i      (w_zp),
    .red_len_m1_i(red_len_m1),
    .pe_mask_i   (pe_mask),
    .act_i       (act),
    .act_valid_i (act_valid),
    .act_bank_i  (act_bank),
    .ld_valid_i  (ld_valid),
    .ld_row_i    (ld_row),
    .ld_bank_i   (ld_bank),
    .ld_idx_i    (ld_idx),
    .ld_data_i   (ld_data),
    .col_data_o  (gl_data),
    .col_valid_o (gl_valid),
    .col_err_o   (gl_err)
  );

  // 32-bit Galois LFSR, x^32 + x^22 + x^2 + x + 1 (maximal length).
  logic [31:0] lfsr;

  task automatic lfsr_step;
    if (lfsr[0]) begin
      lfsr = (lfsr >> 1) ^ 32'h8020_0003;
    end else begin
      lfsr = lfsr >> 1;
    end
  endtask

  // n (<= 32) fresh LFSR bits.
  task automatic rand_bits(input int n, output logic [31:0] v);
    v = '0;
    for (int k = 0; k < n; k++) begin
      lfsr_step;
      v[k] = lfsr[0];
    end
  endtask

  // Phase settings.
  logic [1:0]  len_mode;   // 0, 1: AH-1; 2: constant red_len_fix; 3: random every cycle
  logic [IW-1:0] red_len_fix;
  logic        mask_rand;  // pe_mask random every cycle (else all ones)

  // New phase: zero points, reduction length mode, pe_mask mode.
  task automatic new_phase;
    logic [31:0] v;
    rand_bits(2, v);
    case (v[1:0])
      2'd0:    act_zp = '0;
      2'd1:    act_zp = '1;
      default: begin rand_bits(OW, v); act_zp = v[OW-1:0]; end
    endcase
    rand_bits(2, v);
    case (v[1:0])
      2'd0:    w_zp = '0;
      2'd1:    w_zp = '1;
      default: begin rand_bits(OW, v); w_zp = v[OW-1:0]; end
    endcase
    rand_bits(3, v);
    len_mode  = v[1:0];
    mask_rand = v[2];
    rand_bits(IW, v);
    red_len_fix = v[IW-1:0];
  endtask

  // Fresh per-cycle stimulus.
  task automatic new_stimulus;
    logic [31:0] v;
    for (int c = 0; c < AW; c++) begin
      rand_bits(OW, v);
      act[c*OW +: OW] = v[OW-1:0];
      rand_bits(2, v);
      act_valid[c] = (v[1:0] != 2'b00);
      rand_bits(4, v);
      if (v[3:0] == 4'hf) begin
        act_bank[c] = !act_bank[c];
      end
      rand_bits(1, v);
      ld_valid[c] = v[0];
      rand_bits(RW, v);
      ld_row[c*RW +: RW] = v[RW-1:0];
      rand_bits(1, v);
      ld_bank[c] = v[0];
      rand_bits(IW, v);
      ld_idx[c*IW +: IW] = v[IW-1:0];
      rand_bits(OW, v);
      ld_data[c*OW +: OW] = v[OW-1:0];
    end
    case (len_mode)
      2'd2:    red_len_m1 = red_len_fix;
      2'd3:    begin rand_bits(IW, v); red_len_m1 = v[IW-1:0]; end
      default: red_len_m1 = IW'(AH - 1);
    endcase
    if (mask_rand) begin
      for (int b = 0; b < AH*AW; b++) begin
        rand_bits(1, v);
        pe_mask[b] = v[0];
      end
    end else begin
      pe_mask = '1;
    end
  endtask

  int unsigned cycle;
  int unsigned errors;
  int unsigned valid_seen;  // column outputs seen valid
  int unsigned nz_seen;     // of those, non-zero data
  int unsigned neg_seen;    // of those, negative (sign bit set)
  int unsigned err_seen;    // column collisions (col_err_o bits)
  logic [31:0] checksum;

  // Compare both designs now; report the first differing column.
  task automatic compare(input string where);
    bit reported;
    reported = 1'b0;
    if ((rtl_data !== gl_data) || (rtl_valid !== gl_valid) || (rtl_err !== gl_err)) begin
      for (int c = 0; c < AW; c++) begin
        if (!reported && ((rtl_data[c*ACCW +: ACCW] !== gl_data[c*ACCW +: ACCW]) ||
                          (rtl_valid[c] !== gl_valid[c]) || (rtl_err[c] !== gl_err[c]))) begin
          $display("MISMATCH at cycle %0d (%s), column %0d: rtl data=%h valid=%b err=%b, netlist data=%h valid=%b err=%b",
                   cycle, where, c, rtl_data[c*ACCW +: ACCW], rtl_valid[c], rtl_err[c],
                   gl_data[c*ACCW +: ACCW], gl_valid[c], gl_err[c]);
          reported = 1'b1;
        end
      end
      errors++;
    end else if (((^rtl_data) === 1'bx) || ((^rtl_valid) === 1'bx) || ((^rtl_err) === 1'bx)) begin
      // (Not $isunknown: Icarus 11 returns 1 for some fully known
      // concatenations wider than 128 bits.)
      $display("UNKNOWN output at cycle %0d (%s): data=%h valid=%b err=%b",
               cycle, where, rtl_data, rtl_valid, rtl_err);
      errors++;
    end
  endtask

  initial begin
    clk        = 1'b0;
    rst_n      = 1'b1;
    lfsr       = SEED;
    errors     = 0;
    valid_seen = 0;
    nz_seen    = 0;
    neg_seen   = 0;
    err_seen   = 0;
    checksum   = '0;
    cycle      = 0;
    act_bank   = '0;
    new_phase;
    new_stimulus;

    // Reset pulse at the start.
    #1 rst_n = 1'b0;
    #1 compare("reset");
    #3 rst_n = 1'b1;
    // The stationary banks have no reset: load every entry of both banks of
    // every PE after the reset (all columns in parallel, no streaming meanwhile),
    // so no X reaches the outputs.
    for (int r = 0; r < AH; r++) begin
      for (int b = 0; b < 2; b++) begin
        for (int i = 0; i < DEPTH; i++) begin
          for (int c = 0; c < AW; c++) begin
            act_valid[c]         = 1'b0;
            ld_valid[c]          = 1'b1;
            ld_row[c*RW +: RW]   = RW'(r);
            ld_bank[c]           = b[0];
            ld_idx[c*IW +: IW]   = IW'(i);
            ld_data[c*OW +: OW]  = OW'(r * 37 + i * 11 + b * 101 + c * 7);
          end
          #5 clk = 1'b1;
          #5 clk = 1'b0;
        end
      end
    end
    // Two more edges: the last load leaves the column load registers.
    #5 clk = 1'b1;
    #5 clk = 1'b0;
    #5 clk = 1'b1;
    #5 clk = 1'b0;
    new_stimulus;


    for (cycle = 0; (cycle < NCYC) && (errors == 0); cycle++) begin
      #5 clk = 1'b1;
      #2 compare("after posedge");
      // Asynchronous reset pulse in the middle of the run, between edges.
      if (cycle == NCYC / 2) begin
        rst_n = 1'b0;
        #1 compare("mid-run reset");
        #1 rst_n = 1'b1;
      end
      for (int c = 0; c < AW; c++) begin
        if (rtl_valid[c]) begin
          valid_seen++;
          if (rtl_data[c*ACCW +: ACCW] != '0) begin
            nz_seen++;
          end
          if (rtl_data[c*ACCW + ACCW - 1]) begin
            neg_seen++;
          end
        end
        if (rtl_err[c]) begin
          err_seen++;
        end
        checksum = {checksum[30:0], checksum[31]} ^ 32'(rtl_data[c*ACCW +: ACCW]) ^
                   32'({rtl_err[c], rtl_valid[c]});
      end
      #1 clk = 1'b0;
      if ((cycle % PHASE) == PHASE - 1) begin
        new_phase;
      end
      new_stimulus;
      #1;
    end

    if (errors != 0) begin
      $display("FAIL: nest AH=%0d AW=%0d OW=%0d ACCW=%0d DEPTH=%0d: RTL and netlist differ",
               AH, AW, OW, ACCW, DEPTH);
    end else if ((valid_seen < NCYC / 2) || (nz_seen < NCYC / 4) || (neg_seen < NCYC / 16) ||
                 (err_seen == 0) || (err_seen > valid_seen / 2)) begin
      $display("FAIL: stimulus too weak (valid %0d, non-zero %0d, negative %0d, collisions %0d)",
               valid_seen, nz_seen, neg_seen, err_seen);
    end else begin
      $display("PASS: nest AH=%0d AW=%0d OW=%0d ACCW=%0d DEPTH=%0d: %0d cycles identical (valid %0d, non-zero %0d, negative %0d, collisions %0d, checksum %h)",
               AH, AW, OW, ACCW, DEPTH, NCYC, valid_seen, nz_seen, neg_seen, err_seen, checksum);
    end
    $finish;
  end

endmodule
