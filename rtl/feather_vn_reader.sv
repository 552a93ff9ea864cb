// feather_vn_reader: AW columns reading one element each from an AW-banked
// buffer in one cycle (the read side of the ExecuteMapping and stream engines).
//
// Column c reads element e_i of VN (a_i[c], b_i[c]) of layout lay_i
// (feather_addr); a VN out of the layout's range, or whose index passed XW
// bits (ovf_i[c]), reads nothing. Per bank the line of the lowest requesting
// column is read (bank_line_o, feather_bank_arb); two columns asking one bank
// for different lines is a bank conflict (conflict_o, only while en_i). The
// banks' data arrives the cycle after (rdata_i, registered-read banks), when
// data_o[c] is column c's element, or the zero point zp_i for a column that
// read nothing.

module feather_vn_reader #(
  parameter int  AW  = 4,   // columns = banks, power of two >= 2
  parameter int  AH  = 4,   // elements per VN, power of two >= 2
  parameter int  LA  = 8,   // line width
  localparam int AWL = $clog2(AW),
  localparam int XW  = LA + AWL,
  localparam int VW  = feather_pkg::vn_width(AH),
  localparam int LYW = feather_pkg::layout_width(XW, LA)
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             en_i,
  input  logic [LYW-1:0]   lay_i,
  input  logic [AW*XW-1:0] a_i,
  input  logic [AW*XW-1:0] b_i,
  input  logic [AW-1:0]    ovf_i,
  input  logic [VW-1:0]    e_i,
  output logic [AW*LA-1:0] bank_line_o,
  output logic             conflict_o,
  input  logic [AW*8-1:0]  rdata_i,
  input  logic [7:0]       zp_i,
  output logic [AW*8-1:0]  data_o
);

  logic [AW-1:0]     rd_in;
  logic [AW*AWL-1:0] rd_bk;
  logic [AW*LA-1:0]  rd_ln;

  for (genvar c = 0; c < AW; c++) begin : g_col
    logic inr;
    assign rd_in[c] = inr && !ovf_i[c];
    feather_addr #(.AW(AW), .AH(AH), .LA(LA)) u_addr (
      .lay_i     (lay_i),
      .a_i       (a_i[c*XW +: XW]),
      .b_i       (b_i[c*XW +: XW]),
      .e_i       (e_i),
      .in_range_o(inr),
      .bank_o    (rd_bk[c*AWL +: AWL]),
      .line_o    (rd_ln[c*LA +: LA])
    );
  end

  feather_bank_arb #(.AW(AW), .LA(LA)) u_arb (
    .en_i       (en_i),
    .req_i      (rd_in),
    .bank_i     (rd_bk),
    .line_i     (rd_ln),
    .bank_line_o(bank_line_o),
    .conflict_o (conflict_o)
  );

  // Which bank each column's element comes from, for the data of the next cycle.
  logic [AW-1:0]     rd_in_q;
  logic [AW*AWL-1:0] rd_bk_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rd_in_q <= '0;
      rd_bk_q <= '0;
    end else begin
      rd_in_q <= rd_in;
      rd_bk_q <= rd_bk;
    end
  end

  // The banks' bytes as an array, so that each column's selection is an AW:1 multiplexer.
  (* mem2reg *)
  logic [7:0] rd_byte [AW];
  for (genvar b = 0; b < AW; b++) begin : g_byte
    assign rd_byte[b] = rdata_i[b*8 +: 8];
  end
  for (genvar c = 0; c < AW; c++) begin : g_data
    assign data_o[c*8 +: 8] = rd_in_q[c] ? rd_byte[rd_bk_q[c*AWL +: AWL]] : zp_i;
  end

endmodule
