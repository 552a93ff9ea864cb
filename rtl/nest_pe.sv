// nest_pe: one processing element of the NEST array.
//
// Stream path. The PE receives one streamed operand beat per cycle from the
// row above (or from its column's entry registers in row 0): the operand
// (act), its valid bit, the stationary bank to compute with, the local index of
// the stationary operand, and the "last beat of this sum" flag. It registers
// these five signals unchanged into its forward registers (f_*_q), which feed
// the row below, so row r sees the stream r cycles after row 0.
//
// Stationary storage. Two banks of DEPTH entries of OW bits (bank0_q, bank1_q).
// When ld_en_i (the column's registered load is valid and addressed to this
// row), entry ld_idx_i of bank ld_bank_i takes ld_data_i at the next edge; an
// index >= DEPTH writes nothing.
//
// MAC pipeline (3 stages, operands are unsigned OW-bit values, zero points
// unsigned OW-bit; all arithmetic in two's complement):
//   stage 1: a1_q = {0,act} - {0,act_zp}, w1_q = {0,W[bank][idx]} - {0,w_zp}
//            (signed OW+1 bits; W reads 0 for idx >= DEPTH), v1_q, l1_q
//   stage 2: p2_q = a1_q * w1_q (exact signed product, 2*(OW+1) bits), v2_q, l2_q
//   stage 3: sum = acc_q + sign_extend(p2_q) (ACCW bits, wrapping)
//            v2_q & l2_q : out_q <= sum, acc_q <= 0, ov_q <= mask_i
//            v2_q & !l2_q: acc_q <= sum, ov_q <= 0
//            !v2_q       : ov_q <= 0 (acc_q, out_q hold)
//
// Every register except the stationary banks is reset asynchronously to 0 by
// rst_ni; the banks are memories without reset (undefined until loaded). acc_q, out_q and ov_q are readable from a verilated model
// (public_flat_rd).
//
// Illegal parameters stop elaboration by instantiating a module that does not
// exist and whose name states the problem (nest_pe_error_*), as in birrd.
// Parameters are `int`, not `int unsigned` (Icarus 11).

module nest_pe #(
  parameter int  OW    = 8,   // operand width, >= 1
  parameter int  ACCW  = 32,  // accumulator width, >= 2*(OW+1)
  parameter int  DEPTH = 4,   // entries per stationary bank, >= 1
  localparam int IW    = (DEPTH > 1) ? $clog2(DEPTH) : 1  // local index width
) (
  input  logic            clk_i,
  input  logic            rst_ni,
  // Registered zero points (shared by the array).
  input  logic [OW-1:0]   act_zp_i,
  input  logic [OW-1:0]   w_zp_i,
  // This PE's pe_mask bit: 1 = the PE may emit its sums.
  input  logic            mask_i,
  // Stream from the row above (or the column entry registers).
  input  logic [OW-1:0]   act_i,
  input  logic            valid_i,
  input  logic            bank_i,
  input  logic [IW-1:0]   idx_i,
  input  logic            last_i,
  // Stream forwarded to the row below (the f_*_q registers).
  output logic [OW-1:0]   act_o,
  output logic            valid_o,
  output logic            bank_o,
  output logic [IW-1:0]   idx_o,
  output logic            last_o,
  // Stationary load (column load entry registers, ld_en_i = valid & row match).
  input  logic            ld_en_i,
  input  logic            ld_bank_i,
  input  logic [IW-1:0]   ld_idx_i,
  input  logic [OW-1:0]   ld_data_i,
  // Result: out_q and ov_q.
  output logic [ACCW-1:0] out_o,
  output logic            ov_o
);

  ///////////////////////////
  // Parameter legality    //
  ///////////////////////////

  localparam bit OwOk    = (OW >= 1);
  localparam bit AccwOk  = (ACCW >= 2 * (OW + 1));
  localparam bit DepthOk = (DEPTH >= 1);

  if (!OwOk) begin : g_err_ow
    nest_pe_error_OW_must_be_at_least_1 u_err ();
  end
  if (!AccwOk) begin : g_err_accw
    nest_pe_error_ACCW_must_be_at_least_2_OW_plus_2 u_err ();
  end
  if (!DepthOk) begin : g_err_depth
    nest_pe_error_DEPTH_must_be_at_least_1 u_err ();
  end

  localparam int PW = 2 * (OW + 1);  // product width

  ///////////////////////////
  // Stream forwarding     //
  ///////////////////////////

  logic [OW-1:0] f_act_q;
  logic          f_valid_q;
  logic          f_bank_q;
  logic [IW-1:0] f_idx_q;
  logic          f_last_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_act_q   <= '0;
      f_valid_q <= 1'b0;
      f_bank_q  <= 1'b0;
      f_idx_q   <= '0;
      f_last_q  <= 1'b0;
    end else begin
      f_act_q   <= act_i;
      f_valid_q <= valid_i;
      f_bank_q  <= bank_i;
      f_idx_q   <= idx_i;
      f_last_q  <= last_i;
    end
  end

  assign act_o   = f_act_q;
  assign valid_o = f_valid_q;
  assign bank_o  = f_bank_q;
  assign idx_o   = f_idx_q;
  assign last_o  = f_last_q;

  ///////////////////////////
  // Stationary storage    //
  ///////////////////////////

  // Two 1-D arrays (never one 2-D array: Yosys 0.23 / Verilator UNOPTFLAT),
  // each a small memory with one synchronous write port and NO reset: FPGA
  // distributed RAM has none, and per-entry reset logic multiplies Verilator's
  // generated code (a 16x16 array compiled several times slower). The contents
  // are undefined until loaded; a reset leaves them unchanged.
  logic [OW-1:0] bank0_q [DEPTH];
  logic [OW-1:0] bank1_q [DEPTH];

  logic ld_in_range;
  assign ld_in_range = (32'(ld_idx_i) < DEPTH);

  always_ff @(posedge clk_i) begin
    if (ld_en_i && ld_in_range) begin
      if (ld_bank_i) begin
        bank1_q[ld_idx_i] <= ld_data_i;
      end else begin
        bank0_q[ld_idx_i] <= ld_data_i;
      end
    end
  end

  // Stationary operand read: entry idx_i of bank bank_i, 0 for idx_i >= DEPTH
  // (only possible when DEPTH is not a power of two).
  logic          rd_in_range;
  logic [OW-1:0] w_rd;

  assign rd_in_range = (32'(idx_i) < DEPTH);
  assign w_rd = !rd_in_range ? '0 : (bank_i ? bank1_q[idx_i] : bank0_q[idx_i]);

  ///////////////////////////
  // Stage 1: zero points  //
  ///////////////////////////

  logic signed [OW:0] a1_q;
  logic signed [OW:0] w1_q;
  logic               v1_q;
  logic               l1_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      a1_q <= '0;
      w1_q <= '0;
      v1_q <= 1'b0;
      l1_q <= 1'b0;
    end else begin
      // (OW+1)-bit two's complement difference of two unsigned OW-bit values.
      a1_q <= $signed({1'b0, act_i}) - $signed({1'b0, act_zp_i});
      w1_q <= $signed({1'b0, w_rd}) - $signed({1'b0, w_zp_i});
      v1_q <= valid_i;
      l1_q <= last_i;
    end
  end

  ///////////////////////////
  // Stage 2: multiply     //
  ///////////////////////////

  // Operands sign-extended to the product width, so the PW-bit product is the
  // exact signed product.
  logic signed [PW-1:0] a1_ext;
  logic signed [PW-1:0] w1_ext;
  logic signed [PW-1:0] p2_q;
  logic                 v2_q;
  logic                 l2_q;

  assign a1_ext = {{(OW + 1){a1_q[OW]}}, a1_q};
  assign w1_ext = {{(OW + 1){w1_q[OW]}}, w1_q};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      p2_q <= '0;
      v2_q <= 1'b0;
      l2_q <= 1'b0;
    end else begin
      p2_q <= a1_ext * w1_ext;
      v2_q <= v1_q;
      l2_q <= l1_q;
    end
  end

  ///////////////////////////
  // Stage 3: accumulate   //
  ///////////////////////////

  logic [ACCW-1:0] acc_q /* verilator public_flat_rd */;
  logic [ACCW-1:0] out_q /* verilator public_flat_rd */;
  logic            ov_q  /* verilator public_flat_rd */;
  logic [ACCW-1:0] p2_ext;  // sign_extend(p2_q) to ACCW bits
  logic [ACCW-1:0] sum;     // acc_q + p2_ext, wrapping

  if (ACCW > PW) begin : g_p2_sext
    assign p2_ext = {{(ACCW - PW){p2_q[PW-1]}}, p2_q};
  end else begin : g_p2_same
    assign p2_ext = p2_q;
  end

  assign sum = acc_q + p2_ext;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      acc_q <= '0;
      out_q <= '0;
      ov_q  <= 1'b0;
    end else if (v2_q && l2_q) begin
      out_q <= sum;
      acc_q <= '0;
      ov_q  <= mask_i;
    end else if (v2_q) begin
      acc_q <= sum;
      ov_q  <= 1'b0;
    end else begin
      ov_q  <= 1'b0;
    end
  end

  assign out_o = out_q;
  assign ov_o  = ov_q;

endmodule
