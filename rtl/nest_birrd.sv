// nest_birrd: the NEST array feeding the BIRRD reorder-in-reduction network.
//
// Column c of the NEST output bus (col_data/col_valid of u_nest) drives BIRRD
// input lane c. The BIRRD configuration of a wave (birrd_cmd_i, birrd_mask_i;
// layout as birrd's cmd_i/mask_i) is presented in the same cycle as the
// column outputs it configures, i.e. together with u_nest's registered
// col_data_o/col_valid_o, and goes straight into birrd's cmd_i/mask_i.
// Results appear STAGES cycles later on out_data_o/out_valid_o. col_err_o is
// nest's per-column collision flag (same cycle as the column outputs).
//
// Parameters are checked by nest (AH, AW, OW, ACCW, DEPTH) and by birrd (AW a
// power of two >= 4, WIRING, STAGES), each stopping elaboration with a named
// error. The data width of BIRRD is ACCW.

module nest_birrd #(
  parameter int  AH     = 4,    // rows, >= 1
  parameter int  AW     = 4,    // columns = BIRRD lanes, power of two, >= 4
  parameter int  OW     = 8,    // operand width, >= 1
  parameter int  ACCW   = 32,   // accumulator width, >= 2*(OW+1)
  parameter int  DEPTH  = AH,   // entries per stationary bank, >= 1
  parameter int  WIRING = 1,    // BIRRD wiring: 0 = published FEATHER, 1 = Benes
  parameter int  STAGES = feather_pkg::birrd_stages(AW, WIRING),
  localparam int RW     = (AH > 1) ? $clog2(AH) : 1,       // row index width
  localparam int IW     = (DEPTH > 1) ? $clog2(DEPTH) : 1  // local index width
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic [OW-1:0]        act_zp_i,
  input  logic [OW-1:0]        w_zp_i,
  input  logic [IW-1:0]        red_len_m1_i,
  input  logic [AH*AW-1:0]     pe_mask_i,
  input  logic [AW*OW-1:0]     act_i,
  input  logic [AW-1:0]        act_valid_i,
  input  logic [AW-1:0]        act_bank_i,
  input  logic [AW-1:0]        ld_valid_i,
  input  logic [AW*RW-1:0]     ld_row_i,
  input  logic [AW-1:0]        ld_bank_i,
  input  logic [AW*IW-1:0]     ld_idx_i,
  input  logic [AW*OW-1:0]     ld_data_i,
  input  logic [STAGES*AW-1:0] birrd_cmd_i,   // with the column outputs it configures
  input  logic [AW-1:0]        birrd_mask_i,
  output logic [AW*ACCW-1:0]   out_data_o,    // lane l at [l*ACCW +: ACCW]
  output logic [AW-1:0]        out_valid_o,
  output logic [AW-1:0]        col_err_o
);

  logic [AW*ACCW-1:0] col_data;
  logic [AW-1:0]      col_valid;

  nest #(
    .AH   (AH),
    .AW   (AW),
    .OW   (OW),
    .ACCW (ACCW),
    .DEPTH(DEPTH)
  ) u_nest (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .act_zp_i    (act_zp_i),
    .w_zp_i      (w_zp_i),
    .red_len_m1_i(red_len_m1_i),
    .pe_mask_i   (pe_mask_i),
    .act_i       (act_i),
    .act_valid_i (act_valid_i),
    .act_bank_i  (act_bank_i),
    .ld_valid_i  (ld_valid_i),
    .ld_row_i    (ld_row_i),
    .ld_bank_i   (ld_bank_i),
    .ld_idx_i    (ld_idx_i),
    .ld_data_i   (ld_data_i),
    .col_data_o  (col_data),
    .col_valid_o (col_valid),
    .col_err_o   (col_err_o)
  );

  birrd #(
    .AW    (AW),
    .DW    (ACCW),
    .WIRING(WIRING),
    .STAGES(STAGES)
  ) u_birrd (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .data_i (col_data),
    .valid_i(col_valid),
    .cmd_i  (birrd_cmd_i),
    .mask_i (birrd_mask_i),
    .data_o (out_data_o),
    .valid_o(out_valid_o)
  );

endmodule
