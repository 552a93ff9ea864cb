// feather_bank_arb: the bank arbitration of a buffer read by AW columns in one
// cycle (the ExecuteMapping and stream engines each have one).
//
// Column c requests line line_i[c] of bank bank_i[c] when req_i[c]. Per bank,
// the line of the lowest requesting column is read (bank_line_o[b]); a second
// column asking the same bank for another line is a bank conflict
// (conflict_o, only while en_i: the engine is busy). Columns asking a bank for
// the line it already reads share the read. Purely combinational.

module feather_bank_arb #(
  parameter int  AW  = 4,  // columns = banks, power of two >= 2
  parameter int  LA  = 8,  // line width
  localparam int AWL = $clog2(AW)
) (
  input  logic              en_i,
  input  logic [AW-1:0]     req_i,
  input  logic [AW*AWL-1:0] bank_i,
  input  logic [AW*LA-1:0]  line_i,
  output logic [AW*LA-1:0]  bank_line_o,
  output logic              conflict_o
);

  always_comb begin
    conflict_o  = 1'b0;
    bank_line_o = '0;
    for (int b = 0; b < AW; b++) begin
      logic hit;
      hit = 1'b0;
      for (int c = 0; c < AW; c++) begin
        if (req_i[c] && (32'(bank_i[c*AWL +: AWL]) == b)) begin
          if (hit && (bank_line_o[b*LA +: LA] != line_i[c*LA +: LA])) conflict_o = 1'b1;
          if (!hit) bank_line_o[b*LA +: LA] = line_i[c*LA +: LA];
          hit = 1'b1;
        end
      end
    end
    if (!en_i) conflict_o = 1'b0;
  end

endmodule
