// nest: AH x AW array of nest_pe processing elements (the NEST compute array).
//
// Column c has its own operand stream (act_i[c*OW +: OW] with valid/bank),
// its own stationary-load port (ld_*_i of column c) and its own output bus
// (col_*_o of column c). Rows hold different stationary operands; the stream
// of a column passes down its rows, one register per row.
//
// Registers (all reset asynchronously to 0 by rst_ni, updated at posedge clk_i):
//   act_zp_q, w_zp_q   <= act_zp_i, w_zp_i (the PEs use the registered values)
//   per column c, entry:
//     last = (cnt_q >= red_len_m1_i)
//     e_act_q <= act_i[c], e_valid_q <= act_valid_i[c], e_bank_q <= act_bank_i[c],
//     e_idx_q <= cnt_q, e_last_q <= last (every cycle)
//     cnt_q <= last ? 0 : cnt_q + 1 when act_valid_i[c] (else holds)
//   per column c, load entry:
//     l_valid_q, l_row_q, l_bank_q, l_idx_q, l_data_q <= ld_*_i of column c
//   per PE (r, c): see nest_pe. Row 0 takes its stream from the entry
//     registers, row r > 0 from row r-1's forward registers. The PE is
//     written when l_valid_q && l_row_q == r. ov_q is gated by
//     pe_mask_i[c*AH + r].
//   per column c, output bus:
//     col_data_q  <= OR over rows of (ov_q ? out_q : 0)
//     col_valid_q <= OR over rows of ov_q
//     col_err_q   <= two or more rows have ov_q
//   col_data_o[c*ACCW +: ACCW], col_valid_o[c], col_err_o[c] = these registers.
//
// Latency: a beat entering column c at cycle t reaches stage 3 of row r at
// posedge t+r+3 and the column output at posedge t+r+4.
//
// In simulation (not under SYNTHESIS) an immediate assertion reports every
// cycle in which two or more rows of a column emit; its action is $warning so
// that no simulator stops on it (Verilator aborts on the first $error unless
// the harness raises its error limit); col_err_o carries the same event.
//
// PE (r, c) is g_col[c].g_row[r].u_pe. Illegal parameters stop elaboration by
// instantiating a module that does not exist and whose name states the
// problem (nest_error_*), as in birrd. Parameters are `int` (Icarus 11).

module nest #(
  parameter int  AH    = 4,   // rows, >= 1
  parameter int  AW    = 4,   // columns, >= 1
  parameter int  OW    = 8,   // operand width, >= 1
  parameter int  ACCW  = 32,  // accumulator width, >= 2*(OW+1)
  parameter int  DEPTH = AH,  // entries per stationary bank, >= 1
  localparam int RW    = (AH > 1) ? $clog2(AH) : 1,       // row index width
  localparam int IW    = (DEPTH > 1) ? $clog2(DEPTH) : 1  // local index width
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  input  logic [OW-1:0]      act_zp_i,      // zero point of streamed operands
  input  logic [OW-1:0]      w_zp_i,        // zero point of stationary operands
  input  logic [IW-1:0]      red_len_m1_i,  // beats per sum minus one
  input  logic [AH*AW-1:0]   pe_mask_i,     // PE (r, c) at bit c*AH + r; 1 = may emit
  input  logic [AW*OW-1:0]   act_i,         // column c at [c*OW +: OW]
  input  logic [AW-1:0]      act_valid_i,
  input  logic [AW-1:0]      act_bank_i,    // stationary bank used by this beat
  input  logic [AW-1:0]      ld_valid_i,    // stationary load, one per column per cycle
  input  logic [AW*RW-1:0]   ld_row_i,
  input  logic [AW-1:0]      ld_bank_i,
  input  logic [AW*IW-1:0]   ld_idx_i,
  input  logic [AW*OW-1:0]   ld_data_i,
  output logic [AW*ACCW-1:0] col_data_o,    // column c at [c*ACCW +: ACCW]
  output logic [AW-1:0]      col_valid_o,
  output logic [AW-1:0]      col_err_o      // two or more rows of column c emitted
);

  ///////////////////////////
  // Parameter legality    //
  ///////////////////////////

  localparam bit AhOk     = (AH >= 1);
  localparam bit AwOk     = (AW >= 1);
  localparam bit OwOk     = (OW >= 1);
  localparam bit AccwOk   = (ACCW >= 2 * (OW + 1));
  localparam bit DepthOk  = (DEPTH >= 1);
  localparam bit ParamsOk = AhOk && AwOk && OwOk && AccwOk && DepthOk;

  if (!AhOk) begin : g_err_ah
    nest_error_AH_must_be_at_least_1 u_err ();
  end
  if (!AwOk) begin : g_err_aw
    nest_error_AW_must_be_at_least_1 u_err ();
  end
  if (!OwOk) begin : g_err_ow
    nest_error_OW_must_be_at_least_1 u_err ();
  end
  if (!AccwOk) begin : g_err_accw
    nest_error_ACCW_must_be_at_least_2_OW_plus_2 u_err ();
  end
  if (!DepthOk) begin : g_err_depth
    nest_error_DEPTH_must_be_at_least_1 u_err ();
  end

  // With illegal parameters nothing is built, so the nest_error_* instance
  // above is the only error reported.
  localparam int NC = ParamsOk ? AW : 0;

  ///////////////////////////
  // Zero points           //
  ///////////////////////////

  logic [OW-1:0] act_zp_q;
  logic [OW-1:0] w_zp_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      act_zp_q <= '0;
      w_zp_q   <= '0;
    end else begin
      act_zp_q <= act_zp_i;
      w_zp_q   <= w_zp_i;
    end
  end

  ///////////////////////////
  // Columns               //
  ///////////////////////////

  for (genvar c = 0; c < NC; c++) begin : g_col

    // Column entry: reduction counter and the registered stream beat.
    logic [IW-1:0] cnt_q;
    logic [OW-1:0] e_act_q;
    logic          e_valid_q;
    logic          e_bank_q;
    logic [IW-1:0] e_idx_q;
    logic          e_last_q;
    logic          last;

    assign last = (cnt_q >= red_len_m1_i);

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        cnt_q     <= '0;
        e_act_q   <= '0;
        e_valid_q <= 1'b0;
        e_bank_q  <= 1'b0;
        e_idx_q   <= '0;
        e_last_q  <= 1'b0;
      end else begin
        e_act_q   <= act_i[c*OW +: OW];
        e_valid_q <= act_valid_i[c];
        e_bank_q  <= act_bank_i[c];
        e_idx_q   <= cnt_q;
        e_last_q  <= last;
        if (act_valid_i[c]) begin
          cnt_q <= last ? '0 : cnt_q + 1'b1;
        end
      end
    end

    // Column load entry.
    logic          l_valid_q;
    logic [RW-1:0] l_row_q;
    logic          l_bank_q;
    logic [IW-1:0] l_idx_q;
    logic [OW-1:0] l_data_q;

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        l_valid_q <= 1'b0;
        l_row_q   <= '0;
        l_bank_q  <= 1'b0;
        l_idx_q   <= '0;
        l_data_q  <= '0;
      end else begin
        l_valid_q <= ld_valid_i[c];
        l_row_q   <= ld_row_i[c*RW +: RW];
        l_bank_q  <= ld_bank_i[c];
        l_idx_q   <= ld_idx_i[c*IW +: IW];
        l_data_q  <= ld_data_i[c*OW +: OW];
      end
    end

    // Stream chain: element r feeds row r (element 0 = entry registers,
    // element r+1 = forward registers of row r).
    (* mem2reg *)
    logic [OW-1:0]   s_act [AH+1];
    logic [AH:0]     s_valid;
    logic [AH:0]     s_bank;
    (* mem2reg *)
    logic [IW-1:0]   s_idx [AH+1];
    logic [AH:0]     s_last;
    // PE results.
    (* mem2reg *)
    logic [ACCW-1:0] pe_out [AH];
    logic [AH-1:0]   pe_ov;

    assign s_act[0]   = e_act_q;
    assign s_valid[0] = e_valid_q;
    assign s_bank[0]  = e_bank_q;
    assign s_idx[0]   = e_idx_q;
    assign s_last[0]  = e_last_q;

    for (genvar r = 0; r < AH; r++) begin : g_row
      localparam logic [RW-1:0] Row = RW'(r);

      logic ld_en;
      assign ld_en = l_valid_q && (l_row_q == Row);

      nest_pe #(
        .OW   (OW),
        .ACCW (ACCW),
        .DEPTH(DEPTH)
      ) u_pe (
        .clk_i    (clk_i),
        .rst_ni   (rst_ni),
        .act_zp_i (act_zp_q),
        .w_zp_i   (w_zp_q),
        .mask_i   (pe_mask_i[c*AH + r]),
        .act_i    (s_act[r]),
        .valid_i  (s_valid[r]),
        .bank_i   (s_bank[r]),
        .idx_i    (s_idx[r]),
        .last_i   (s_last[r]),
        .act_o    (s_act[r+1]),
        .valid_o  (s_valid[r+1]),
        .bank_o   (s_bank[r+1]),
        .idx_o    (s_idx[r+1]),
        .last_o   (s_last[r+1]),
        .ld_en_i  (ld_en),
        .ld_bank_i(l_bank_q),
        .ld_idx_i (l_idx_q),
        .ld_data_i(l_data_q),
        .out_o    (pe_out[r]),
        .ov_o     (pe_ov[r])
      );
    end

    // The bottom row's forward registers feed nothing (synthesis drops them).
    logic unused_fwd;
    assign unused_fwd = ^{s_act[AH], s_valid[AH], s_bank[AH], s_idx[AH], s_last[AH]};

    // Column output bus.
    logic [ACCW-1:0] bus_data;
    logic            bus_valid;
    logic            bus_err;

    always_comb begin
      bus_data  = '0;
      bus_valid = 1'b0;
      bus_err   = 1'b0;
      for (int i = 0; i < AH; i++) begin
        if (pe_ov[i]) begin
          bus_data = bus_data | pe_out[i];
        end
        bus_err   = bus_err | (bus_valid & pe_ov[i]);
        bus_valid = bus_valid | pe_ov[i];
      end
    end

    logic [ACCW-1:0] col_data_q;
    logic            col_valid_q;
    logic            col_err_q;

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        col_data_q  <= '0;
        col_valid_q <= 1'b0;
        col_err_q   <= 1'b0;
      end else begin
        col_data_q  <= bus_data;
        col_valid_q <= bus_valid;
        col_err_q   <= bus_err;
      end
    end

    assign col_data_o[c*ACCW +: ACCW] = col_data_q;
    assign col_valid_o[c]             = col_valid_q;
    assign col_err_o[c]               = col_err_q;

`ifndef SYNTHESIS
    // Two or more rows of this column emit in the same cycle (the value on
    // col_data_o is then the OR of their sums). Reported, never fatal. No
    // reset qualifier is needed: every ov_q is 0 while rst_ni is low.
    always @(posedge clk_i) begin
      assert (!bus_err)
      else $warning("nest: column %0d: %0d rows emitted in the same cycle (row mask %b)",
                    c, $countones(pe_ov), pe_ov);
    end
`endif
  end

  if (!ParamsOk) begin : g_out_tie
    assign col_data_o  = '0;
    assign col_valid_o = '0;
    assign col_err_o   = '0;
  end

endmodule
