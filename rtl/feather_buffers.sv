// feather_buffers: the streaming and stationary buffers of the FEATHER top,
// AW byte-wide banks each (feather_mem, registered read), and their ports.
//
// The streaming buffer has two halves of SD lines (bank word h*SD + line);
// half_i is the active one, which the stream engine reads, and the inactive
// one receives the requantized outputs of the running layer (the next layer's
// input). Ports, per bank:
//   - read: a Store reads line_i of its target (TgtWbuf: stationary,
//     TgtSbufCur/Next: active/inactive streaming half); otherwise the
//     stationary banks read the ExecuteMapping engine's lines (em_line_i) and
//     the streaming banks the stream engine's lines in the active half
//     (st_line_i). Data arrives the cycle after (wb_rdata_o, sb_rdata_o,
//     store_data_o = the Store target's line).
//   - write: a Load response (ld_fire_i) writes its target's line; otherwise
//     a requantized byte (q_we_i) is written to the inactive streaming half.

module feather_buffers #(
  parameter int  AW = 4,
  parameter int  SD = 64,
  parameter int  WD = 64,
  parameter int  OD = 64,
  localparam int LA = feather_pkg::line_width(SD, WD, OD),
  localparam int BW = AW * 8
) (
  input  logic             clk_i,
  input  logic             half_i,
  // Memory engine.
  input  logic             mem_busy_i,
  input  logic             mem_store_i,
  input  logic [feather_pkg::TgtW-1:0] mem_tgt_i,
  input  logic [LA-1:0]    mem_line_i,
  input  logic             ld_fire_i,
  input  logic [BW-1:0]    ld_data_i,
  output logic [BW-1:0]    store_data_o,
  // Engine reads.
  input  logic [AW*LA-1:0] em_line_i,
  input  logic [AW*LA-1:0] st_line_i,
  output logic [AW*8-1:0]  wb_rdata_o,
  output logic [AW*8-1:0]  sb_rdata_o,
  // Requantized outputs.
  input  logic [AW-1:0]    q_we_i,
  input  logic [AW*LA-1:0] q_line_i,
  input  logic [AW*8-1:0]  q_data_i
);

  localparam int SAW = $clog2(2 * SD);   // streaming bank address (two halves)
  localparam int WAW = (WD > 1) ? $clog2(WD) : 1;

  // Streaming buffer word index of (half, line).
  function automatic logic [SAW-1:0] sb_index(input logic h, input logic [LA-1:0] line);
    sb_index = h ? SAW'(32'(line) + SD) : SAW'(line);
  endfunction

  logic mem_half;  // the streaming half a Load/Store addresses
  assign mem_half = (mem_tgt_i == feather_pkg::TgtSbufNext) ? !half_i : half_i;

  logic wb_we;
  assign wb_we = ld_fire_i && (mem_tgt_i == feather_pkg::TgtWbuf);

  for (genvar b = 0; b < AW; b++) begin : g_bank
    logic [SAW-1:0] sb_raddr, sb_waddr;
    logic [WAW-1:0] wb_raddr;
    logic           sb_we;
    logic [7:0]     sb_wdata;
    // This bank's slices of the flat ports (outside the always_comb: Icarus 11 does not take
    // constant part-selects in always_* processes).
    logic [LA-1:0]  st_line, q_line;
    logic [WAW-1:0] em_line;
    logic [7:0]     ld_byte, q_byte;
    logic           q_we;
    assign st_line = st_line_i[b*LA +: LA];
    assign em_line = WAW'(em_line_i[b*LA +: LA]);  // lines past WD are never read
    assign q_line  = q_line_i[b*LA +: LA];
    assign ld_byte = ld_data_i[b*8 +: 8];
    assign q_byte  = q_data_i[b*8 +: 8];
    assign q_we    = q_we_i[b];

    always_comb begin
      if (mem_busy_i && mem_store_i) begin
        sb_raddr = sb_index(mem_half, mem_line_i);
        wb_raddr = WAW'(mem_line_i);
      end else begin
        sb_raddr = sb_index(half_i, st_line);
        wb_raddr = em_line;
      end
      if (ld_fire_i && (mem_tgt_i == feather_pkg::TgtSbufCur ||
                        mem_tgt_i == feather_pkg::TgtSbufNext)) begin
        sb_we    = 1'b1;
        sb_waddr = sb_index(mem_half, mem_line_i);
        sb_wdata = ld_byte;
      end else begin
        sb_we    = q_we;
        sb_waddr = sb_index(!half_i, q_line);
        sb_wdata = q_byte;
      end
    end

    feather_mem #(.DEPTH(2 * SD), .DW(8), .SYNC(1)) u_sbuf (
      .clk_i  (clk_i),
      .we_i   (sb_we),
      .waddr_i(sb_waddr),
      .wdata_i(sb_wdata),
      .raddr_i(sb_raddr),
      .rdata_o(sb_rdata_o[b*8 +: 8])
    );
    feather_mem #(.DEPTH(WD), .DW(8), .SYNC(1)) u_wbuf (
      .clk_i  (clk_i),
      .we_i   (wb_we),
      .waddr_i(WAW'(mem_line_i)),
      .wdata_i(ld_byte),
      .raddr_i(wb_raddr),
      .rdata_o(wb_rdata_o[b*8 +: 8])
    );
  end

  assign store_data_o = (mem_tgt_i == feather_pkg::TgtWbuf) ? wb_rdata_o : sb_rdata_o;

endmodule
