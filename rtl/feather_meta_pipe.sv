// feather_meta_pipe: the metadata of the outputs in flight through NEST and
// BIRRD (docs/isa.md, "Timing").
//
// When a stream step's last beat issues (step_i, at its address cycle c), one
// entry per row r = 0 .. vnm1_i is scheduled at position r + RowLat - 1 +
// STAGES of a shift register that moves one position per cycle, so that the
// entry of row r reaches
//   - position STAGES in cycle c + RowLat + r, when that row's column sums are
//     at the BIRRD input: its BIRRD configuration is applied there
//     (birrd_cmd_o, birrd_mask_o);
//   - position 0 STAGES cycles later, when BIRRD's outputs are valid: the
//     write unit takes the entry's fields (wr_*_o).
// busy_o: some entry is valid; ctx_busy_o[k]: some entry was computed with
// mapping context k (which must not be rewritten meanwhile); quant_busy_o:
// some entry will write a requantized byte to the streaming buffer.

module feather_meta_pipe #(
  parameter int  AH     = 4,
  parameter int  AW     = 4,
  parameter int  WIRING = 1,
  parameter int  SD     = 64,
  parameter int  WD     = 64,
  parameter int  OD     = 64,
  localparam int STAGES = feather_pkg::birrd_stages(AW, WIRING),
  localparam int XW     = feather_pkg::index_width(AW, SD, WD, OD),
  localparam int VW     = feather_pkg::vn_width(AH),
  localparam int CW     = STAGES * AW,
  localparam int MD     = feather_pkg::meta_depth(AH, STAGES)
) (
  input  logic          clk_i,
  input  logic          rst_ni,
  // A finished stream step.
  input  logic          step_i,
  input  logic [VW-1:0] vnm1_i,
  input  logic          ctx_i,
  input  logic [XW-1:0] m_i,
  input  logic          movf_i,
  input  logic          acc_i,
  input  logic          quant_i,
  input  logic [CW-1:0] cmd_i,
  input  logic [AW-1:0] mask_i,
  // At the BIRRD input.
  output logic [CW-1:0] birrd_cmd_o,
  output logic [AW-1:0] birrd_mask_o,
  // At the BIRRD output (write unit).
  output logic          wr_valid_o,
  output logic          wr_ctx_o,
  output logic [XW-1:0] wr_m_o,
  output logic          wr_movf_o,
  output logic [VW-1:0] wr_row_o,
  output logic          wr_acc_o,
  output logic          wr_quant_o,
  // In flight.
  output logic          busy_o,
  output logic [1:0]    ctx_busy_o,
  output logic          quant_busy_o
);

  // One register stage per position, in generate blocks (g_md[p].*_q): position p takes
  // position p+1's entry each cycle, or a new entry when one is scheduled there.
  // Every position's valid, context and quant bit, for busy_o/ctx_busy_o/quant_busy_o.
  logic [MD-1:0] valid, ctx, quant;

  for (genvar p = 0; p < MD; p++) begin : g_md
    localparam int Row = p - (feather_pkg::RowLat - 1) - STAGES;  // row scheduled here
    logic          valid_q, ctx_q, movf_q, acc_q, quant_q;
    logic [XW-1:0] m_q;
    logic [VW-1:0] row_q;
    logic [CW-1:0] cmd_q;
    logic [AW-1:0] mask_q;
    logic          load;
    if (Row > 0) begin : g_load
      assign load = step_i && (Row <= 32'(vnm1_i));
    end else if (Row == 0) begin : g_load0
      assign load = step_i;
    end else begin : g_no_load
      assign load = 1'b0;
    end
    // The entry moving in: a new one, position p+1's, or none past the end.
    logic          nx_valid, nx_ctx, nx_movf, nx_acc, nx_quant;
    logic [XW-1:0] nx_m;
    logic [VW-1:0] nx_row;
    logic [CW-1:0] nx_cmd;
    logic [AW-1:0] nx_mask;
    if (p + 1 < MD) begin : g_shift
      assign nx_valid = g_md[p + 1].valid_q;
      assign nx_ctx   = g_md[p + 1].ctx_q;
      assign nx_m     = g_md[p + 1].m_q;
      assign nx_movf  = g_md[p + 1].movf_q;
      assign nx_row   = g_md[p + 1].row_q;
      assign nx_acc   = g_md[p + 1].acc_q;
      assign nx_quant = g_md[p + 1].quant_q;
      assign nx_cmd   = g_md[p + 1].cmd_q;
      assign nx_mask  = g_md[p + 1].mask_q;
    end else begin : g_end
      assign nx_valid = 1'b0;
      assign nx_ctx   = ctx_q;
      assign nx_m     = m_q;
      assign nx_movf  = movf_q;
      assign nx_row   = row_q;
      assign nx_acc   = acc_q;
      assign nx_quant = quant_q;
      assign nx_cmd   = cmd_q;
      assign nx_mask  = mask_q;
    end
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        valid_q <= 1'b0;
        ctx_q   <= 1'b0;
        m_q     <= '0;
        movf_q  <= 1'b0;
        row_q   <= '0;
        acc_q   <= 1'b0;
        quant_q <= 1'b0;
        cmd_q   <= '0;
        mask_q  <= '0;
      end else if (load) begin
        valid_q <= 1'b1;
        ctx_q   <= ctx_i;
        m_q     <= m_i;
        movf_q  <= movf_i;
        row_q   <= VW'(Row);
        acc_q   <= acc_i;
        quant_q <= quant_i;
        cmd_q   <= cmd_i;
        mask_q  <= mask_i;
      end else begin
        valid_q <= nx_valid;
        ctx_q   <= nx_ctx;
        m_q     <= nx_m;
        movf_q  <= nx_movf;
        row_q   <= nx_row;
        acc_q   <= nx_acc;
        quant_q <= nx_quant;
        cmd_q   <= nx_cmd;
        mask_q  <= nx_mask;
      end
    end
    assign valid[p] = valid_q;
    assign ctx[p]   = ctx_q;
    assign quant[p] = quant_q;
    if (p == 0) begin : g_unused_cfg
      // The configuration is applied at position STAGES; below it, it only moves on
      // (synthesis removes those registers).
      logic unused_cfg;
      assign unused_cfg = ^{cmd_q, mask_q};
    end
  end

  assign busy_o        = (valid != '0);
  assign ctx_busy_o[0] = ((valid & ~ctx) != '0);
  assign ctx_busy_o[1] = ((valid & ctx) != '0);
  assign quant_busy_o  = ((valid & quant) != '0);

  assign birrd_cmd_o  = g_md[STAGES].cmd_q;
  assign birrd_mask_o = g_md[STAGES].valid_q ? g_md[STAGES].mask_q : '0;

  assign wr_valid_o = g_md[0].valid_q;
  assign wr_ctx_o   = g_md[0].ctx_q;
  assign wr_m_o     = g_md[0].m_q;
  assign wr_movf_o  = g_md[0].movf_q;
  assign wr_row_o   = g_md[0].row_q;
  assign wr_acc_o   = g_md[0].acc_q;
  assign wr_quant_o = g_md[0].quant_q;

endmodule
